package com.dytallix.adapters.persistence;

/** The database schema cannot be brought to this server's version; the message tells the operator what to do. */
public final class MigrationException extends RuntimeException {
    public MigrationException(String message) {
        super(message);
    }

    public MigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
