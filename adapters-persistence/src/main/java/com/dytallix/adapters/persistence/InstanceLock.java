package com.dytallix.adapters.persistence;

/**
 * Held by every running server (shared) or by a maintenance command that must be alone on the
 * database (exclusive): {@link ServerLock} on SQLite's data directory, {@link PostgresLock} on a
 * PostgreSQL database. Released by {@link #close()} or when the process ends, however it ends.
 */
public interface InstanceLock extends AutoCloseable {
    @Override
    void close();
}
