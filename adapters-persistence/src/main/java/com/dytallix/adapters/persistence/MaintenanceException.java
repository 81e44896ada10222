package com.dytallix.adapters.persistence;

/** A backup or restore that could not be done; the message says why in the operator's terms. */
public final class MaintenanceException extends RuntimeException {
    public MaintenanceException(String message) {
        super(message);
    }

    public MaintenanceException(String message, Throwable cause) {
        super(message, cause);
    }
}
