package com.dytallix.bootstrap;

/** A command could not run; its message is one line for the operator. */
public final class StartupException extends RuntimeException {
    private final int exitCode;

    public StartupException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
