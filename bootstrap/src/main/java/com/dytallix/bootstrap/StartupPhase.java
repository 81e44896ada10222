package com.dytallix.bootstrap;

/**
 * Where the start is, as a SIGTERM or SIGINT finds it, and the one rule for a stop and a failed boot step that race:
 * whichever came first decides how the process ends. A stop asked for during the boot is a stop: the boot stops at its
 * next step, and if a step fails after the signal (on its own, or because of what the stop did) it still ends as a stop,
 * exit 0 with the stop's message. A boot that failed before any stop was asked for ends with its error and exit 1; a
 * signal that comes while it closes does not turn that into a graceful exit.
 */
final class StartupPhase {
    /** What a stop signal found. */
    enum AtSignal {
        /** The boot runs: it stops after its current step and closes what it opened. */
        BOOTING,
        /** The server listens: the graceful stop. */
        RUNNING,
        /** The boot had failed already: its error and exit status stand. */
        FAILED
    }

    /** The signal (TERM, INT) that asked for a stop, null until one did. */
    private String stopSignal;
    private boolean listening;
    private boolean failed;

    /** A SIGTERM or SIGINT came: the first one is the stop's, unless the boot had failed before it. */
    synchronized AtSignal signal(String name) {
        if (failed) {
            return AtSignal.FAILED;
        }
        if (stopSignal == null) {
            stopSignal = name;
        }
        return listening ? AtSignal.RUNNING : AtSignal.BOOTING;
    }

    /** The signal that asked for a stop ({@code TERM}, {@code INT}), or null when none did. */
    synchronized String stopSignal() {
        return stopSignal;
    }

    /**
     * A boot step failed: true when that failure is how the start ends (no stop was asked for before it), false when
     * a stop asked for first stands instead.
     */
    synchronized boolean fail() {
        if (stopSignal != null) {
            return false;
        }
        failed = true;
        return true;
    }

    /** The boot has ended and the server serves, unless a stop was asked for first (false: the boot stops instead). */
    synchronized boolean listen() {
        if (stopSignal != null) {
            return false;
        }
        listening = true;
        return true;
    }
}
