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
 *
 * <p>The connection has the URL's own options, unlike the pool's (whose {@code lock_timeout} and
 * {@code TimeZone} a statement sets): neither matters to what it runs, a lock that is tried, never
 * waited for ({@code pg_try_advisory_lock}), and {@code pg_advisory_unlock_all()}, with no time read
 * or written. One setting does matter to a session that sits idle for the server's whole life:
 * {@code idle_session_timeout} (PostgreSQL 14+, from the URL's options or the server's configuration)
 * would end it, and the lock with it, so that a {@code migrate} or {@code restore} could then run
 * under running servers; {@link #KEEP_IDLE_SESSION} lifts it for this session.
 */
final class PostgresLock implements InstanceLock {
    /** The advisory lock key ("dytallix" in ASCII, one more than the writers' lock). */
    static final long KEY = PostgresDatabase.WRITER_LOCK + 1;
    /**
     * No {@code idle_session_timeout} for this session, whatever the URL or the server says: a session that holds a
     * lock, or listens, is idle by design. The parameter exists from PostgreSQL 14 on; before, nothing ends an idle session.
     */
    static final String KEEP_IDLE_SESSION = "SELECT set_config('idle_session_timeout', '0', false)"
            + " WHERE current_setting('server_version_num')::int >= 140000";

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
            keepIdleSession(c);
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

    /** Runs {@link #KEEP_IDLE_SESSION} on {@code c}. */
    static void keepIdleSession(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(KEEP_IDLE_SESSION)) {
            s.execute();
        }
    }

    private static void close(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // the session ends either way, and its advisory locks with it
        }
    }
}
