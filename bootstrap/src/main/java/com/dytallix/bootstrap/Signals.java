package com.dytallix.bootstrap;

import java.util.function.Predicate;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT stop the server gracefully and exit 0 (a JVM killed by a signal would exit
 * 143/130, which service managers read as a failure), during the start-up as after it. SIGHUP is a
 * reload ({@code systemctl reload}, the shared runbook's logrotate step): it must not stop the server,
 * which the JVM's default for it does, and without the graceful stop.
 */
final class Signals {
    private Signals() {
    }

    /**
     * {@code stop} runs on a thread of its own for each SIGTERM or SIGINT, given the signal's name ({@code TERM},
     * {@code INT}); the process exits 0 once it returns true. A second signal's {@code stop} must wait for the first
     * one's to end (the first {@code System.exit} would otherwise cut it short). It returns false when the signal came
     * after the start had failed: that thread then ends without an exit, and the failure's exit status stands. A JVM started with SIGINT ignored (a
     * background job of a shell without job control) keeps it ignored: the JVM installs no handler for it.
     */
    static void onTermination(Predicate<String> stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            Runnable exit = () -> {
                if (stop.test(name)) {
                    System.exit(Main.OK);
                }
            };
            // Not a daemon (it would inherit that from the signal dispatcher): once the web server has
            // stopped, this thread is the only one keeping the JVM alive until the database is closed.
            Signal.handle(new Signal(name), sig -> Thread.ofPlatform().name("shutdown").daemon(false).start(exit));
        }
    }

    static void onReload(Runnable reload) {
        Signal.handle(new Signal("HUP"), sig -> reload.run());
    }
}
