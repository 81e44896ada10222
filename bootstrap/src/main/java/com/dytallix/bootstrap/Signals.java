package com.dytallix.bootstrap;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT stop the server gracefully and exit 0 (a JVM killed by a signal would exit
 * 143/130, which service managers read as a failure). SIGHUP is a reload ({@code systemctl reload},
 * the shared runbook's logrotate step): it must not stop the server, which the JVM's default for it
 * does, and without the graceful stop.
 */
final class Signals {
    private Signals() {
    }

    static void onTermination(Runnable stop) {
        Runnable exit = () -> {
            stop.run();
            System.exit(Main.OK);
        };
        for (String name : new String[] {"TERM", "INT"}) {
            // Not a daemon (it would inherit that from the signal dispatcher): once the web server has
            // stopped, this thread is the only one keeping the JVM alive until the database is closed.
            Signal.handle(new Signal(name), sig -> Thread.ofPlatform().name("shutdown").daemon(false).start(exit));
        }
    }

    static void onReload(Runnable reload) {
        Signal.handle(new Signal("HUP"), sig -> reload.run());
    }
}
