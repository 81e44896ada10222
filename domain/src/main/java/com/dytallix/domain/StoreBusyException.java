package com.dytallix.domain;

/**
 * The store could not take a write within its wait for the writers' lock (another process holds
 * it: an operator's shell, a paused instance; or this server's own writes queue longer than the
 * wait). Nothing was written; the same request may succeed once the lock is free.
 */
public final class StoreBusyException extends RuntimeException {
    public StoreBusyException(String message) {
        super(message, null, false, false);
    }
}
