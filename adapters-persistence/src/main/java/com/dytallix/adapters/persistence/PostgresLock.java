package com.dytallix.adapters.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * {@link ServerLock}'s counterpart on PostgreSQL: a session advisory lock on a connection of its
 * own, held shared by every server and exclusively by {@code restore} and {@code migrate}. The
 * database releases it when the connection ends, so a killed server leaves nothing behind.
 */
final class PostgresLock implements InstanceLock {
    /** The advisory lock key ("dytallix" in ASCII, one more than the writers' lock). */
    static final long KEY = PostgresDatabase.WRITER_LOCK + 1;

    private final Connection connection;

    private PostgresLock(Connection connection) {
        this.connection = connection;
    }

    static PostgresLock take(PostgresUrl url, boolean shared) {
        Connection c;
        try {
            c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to " + url.masked() + ": " + url.mask(String.valueOf(e.getMessage())));
        }
        try (PreparedStatement s = c.prepareStatement(shared ? "SELECT pg_try_advisory_lock_shared(?)" : "SELECT pg_try_advisory_lock(?)")) {
            s.setLong(1, KEY);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    close(c);
                    throw shared ? new ServerLock.MaintenanceRunningException(url.masked())
                            : new ServerLock.ServerRunningException("an instance holds " + url.masked());
                }
            }
            return new PostgresLock(c);
        } catch (SQLException e) {
            close(c);
            throw new IllegalStateException("cannot lock " + url.masked() + ": " + url.mask(String.valueOf(e.getMessage())));
        }
    }

    /**
     * Unlocks before the connection ends: the server ends a closed session's backend (and frees its
     * locks) only some moments later, so a server started right after a restore would otherwise still
     * find the restore's lock held.
     */
    @Override
    public void close() {
        try (PreparedStatement s = connection.prepareStatement("SELECT pg_advisory_unlock_all()")) {
            s.execute();
        } catch (SQLException ignored) {
            // a broken connection: its session ends with it, and the lock with the session
        }
        close(connection);
    }

    private static void close(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // the session ends either way, and its advisory locks with it
        }
    }
}
