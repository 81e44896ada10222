package com.dytallix.bootstrap;

/**
 * After an error the JVM cannot recover from (out of memory, a broken VM) the process exits with
 * {@link #EXIT_CODE} so that its supervisor (systemd) restarts it, rather than serving on with
 * threads that died half-way. The launcher also runs the JVM with {@code -XX:+ExitOnOutOfMemoryError};
 * this covers a JVM started without it and errors caught before they reach a thread's end.
 */
public final class Fatal {
    /** The code {@code -XX:+ExitOnOutOfMemoryError} exits with, so both ways look the same to an operator. */
    public static final int EXIT_CODE = 3;

    private Fatal() {
    }

    /** Every thread's last resort: log, and halt on a fatal error. */
    static void install() {
        Thread.setDefaultUncaughtExceptionHandler((thread, t) -> {
            exitIfFatal(t);
            System.getLogger(Fatal.class.getName()).log(System.Logger.Level.ERROR, "uncaught in thread " + thread.getName(), t);
        });
    }

    static void exitIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError) {
            // no logging framework, no allocation to speak of: the heap may be full
            System.err.println("dytallix-api: fatal " + t.getClass().getName() + "; exiting so that the supervisor restarts the server");
            Runtime.getRuntime().halt(EXIT_CODE);
        }
    }
}
