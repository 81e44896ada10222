package com.dytallix.adapters.persistence;

import com.dytallix.domain.StoreBusyException;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbTransaction;
import java.sql.SQLException;
import java.util.Map;
import java.util.function.Function;

/**
 * A PostgreSQL database, shared by every instance, with a connection pool and a Helidon
 * {@link DbClient}. Every write transaction first takes the advisory locks its kind asks for ({@link
 * Database.Writes}): the writers' lock ({@link #WRITER_LOCK}) exclusively for a write that runs alone, shared
 * by the faucet's hot writes, which so run beside each other (a reservation also takes {@link
 * #RESERVATION_LOCK}, so reservations queue for one another as every write did before); a quota check and its
 * reservation, or a signing write and its lease check, are never interleaved with a write that could change
 * what they read. Reads never wait. The connection sends times as text that PostgreSQL reads in UTC.
 *
 * <p>Why not every write alone, as on SQLite: each write holds its locks across all its round trips to the
 * database, a few ms each on a busy host, and one writer at a time made every reservation wait for the
 * signing write, the record of a send and the tracker's settling too (docs/performance.md, <i>PostgreSQL
 * writes, round 23</i>).
 */
final class PostgresDatabase extends Database {
    /** The advisory lock every write transaction takes, exclusively or shared ("dytallix" in ASCII). */
    static final long WRITER_LOCK = 0x6479746131697821L;
    /** The advisory lock a reservation takes exclusively after the writers' lock shared ({@link PostgresLock#KEY} is one less). */
    static final long RESERVATION_LOCK = WRITER_LOCK + 2;
    /** Each kind of write's locks, in one statement: the writers' lock first (see {@link #write}). */
    private static final Map<Writes, String> LOCKS = Map.of(
            Writes.ALONE, "SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(" + WRITER_LOCK + ")) l",
            // a subquery calling a volatile function is never flattened: the inner one's lock is taken first
            Writes.RESERVING, "SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(" + RESERVATION_LOCK + ")"
                    + " FROM (SELECT pg_advisory_xact_lock_shared(" + WRITER_LOCK + ")) w) r",
            Writes.ROW_LOCKED, "SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock_shared(" + WRITER_LOCK + ")) l");
    private static final int POOL_SIZE = 10;
    /** How long a write waits for a lock, as SQLite's busy timeout: longer than any write transaction this server runs. */
    static final int LOCK_TIMEOUT_MS = 10_000;
    /** PostgreSQL's SQLSTATE for a lock wait that ran out of {@code lock_timeout}. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private final PostgresUrl url;
    private final int lockTimeoutMs;
    /** The write transactions' client, over the same pool as the reads' but handed only their connections. */
    final DbClient writes;

    private PostgresDatabase(PostgresUrl url, HikariDataSource dataSource, int lockTimeoutMs) {
        super(dataSource, "postgresql");
        this.url = url;
        this.lockTimeoutMs = lockTimeoutMs;
        this.writes = transactionClient(dataSource, "postgresql");
    }

    /** Connects to the database {@code url} names; fails with the URL's password masked. */
    public static PostgresDatabase open(PostgresUrl url) {
        return open(url, LOCK_TIMEOUT_MS);
    }

    /** As {@link #open(PostgresUrl)}, a write waiting at most {@code lockTimeoutMs} for the writers' lock. */
    static PostgresDatabase open(PostgresUrl url, int lockTimeoutMs) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("postgres-" + url.database());
        config.setDriverClassName("org.postgresql.Driver");
        config.setJdbcUrl(url.jdbcUrl());
        config.setUsername(url.user());
        config.setPassword(url.password());
        config.setMaximumPoolSize(POOL_SIZE);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(10_000);
        // times are written as UTC text (the same text SQLite stores); untyped parameters let PostgreSQL cast them
        config.addDataSourceProperty("stringtype", "unspecified");
        config.setConnectionInitSql(initialisation(lockTimeoutMs));
        try {
            return new PostgresDatabase(url, new HikariDataSource(config), lockTimeoutMs);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot connect to " + url.masked() + ": " + url.mask(String.valueOf(e.getMessage())));
        }
    }

    /**
     * The statement each new connection runs before it is used: times read and written in UTC, and every lock a
     * statement waits for, advisory and row locks alike, at most {@code lockTimeoutMs} (set once per connection: a
     * SET LOCAL in each write was one more round trip while its locks were held). Set by a statement, not by the
     * driver's {@code options} at the connection's start: an {@code options} parameter in {@code DATABASE_URL}
     * replaced the server's (a {@code -c lock_timeout=0} let a write wait for ever), and this statement runs after
     * whatever the URL asked for.
     */
    private static String initialisation(int lockTimeoutMs) {
        return "SELECT set_config('lock_timeout', '" + lockTimeoutMs + "ms', false), set_config('TimeZone', 'UTC', false)";
    }

    public PostgresUrl url() {
        return url;
    }

    /**
     * Runs {@code work} as one write transaction after the locks its kind takes. Every write takes the
     * writers' lock before any other, so no two writes wait for each other's locks in a cycle: a write
     * that runs alone holds nothing else while it waits, and the row-locked writes lock rows in the order
     * of their ids. A write that cannot have a lock within {@link #LOCK_TIMEOUT_MS} (another instance's or
     * an operator's transaction holds it, or the instances' writes queue longer than that) ends with
     * {@link StoreBusyException}, nothing written, instead of waiting without bound.
     */
    @Override
    <T> T write(Writes kind, Function<DbTransaction, T> work) {
        DbTransaction tx = begin(writes, dataSource);
        T result;
        try {
            tx.get(LOCKS.get(kind));
            result = work.apply(tx);
        } catch (RuntimeException | Error e) {
            try {
                tx.rollback();
            } catch (RuntimeException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            if (lockWaitRanOut(e)) {
                throw new StoreBusyException("a database lock was held by another transaction for over " + lockTimeoutMs + " ms");
            }
            throw e;
        }
        tx.commit();
        return result;
    }

    private static boolean lockWaitRanOut(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SQLException sql && LOCK_NOT_AVAILABLE.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    @Override
    Dialect dialect() {
        return Dialect.POSTGRES;
    }

    @Override
    String loggable(String message) {
        return url.mask(message);
    }

    /** {@code ANALYZE}: fresh planner statistics for the tables this server uses. */
    @Override
    public void optimize() {
        read(db -> db.dml("ANALYZE"));
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            writes.close();
            client.close();
            dataSource.close();
        }
    }
}
