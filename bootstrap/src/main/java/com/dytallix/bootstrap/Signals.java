package com.dytallix.bootstrap;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT stop the server gracefully and exit 0 (a JVM killed by a signal would exit
 * 143/130, which service managers read as a failure).
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
            // Not a daemon (the JVM's signal thread is one, and its children would inherit that): once the web
            // server stops, a daemon stopper would be cut off by the JVM's exit before the database is closed.
            Signal.handle(new Signal(name), sig -> Thread.ofPlatform().name("shutdown").daemon(false).start(exit));
        }
    }
}
