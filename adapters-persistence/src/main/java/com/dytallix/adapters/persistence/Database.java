package com.dytallix.adapters.persistence;

import com.zaxxer.hikari.HikariDataSource;
import io.helidon.common.GenericType;
import io.helidon.common.mapper.Mapper;
import io.helidon.common.mapper.MapperException;
import io.helidon.common.mapper.MapperManager;
import io.helidon.common.mapper.Mappers;
import io.helidon.common.mapper.MappersConfig;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbMapperProviderImpl;
import io.helidon.dbclient.DbTransaction;
import io.helidon.dbclient.jdbc.JdbcClientBuilder;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The database behind every port of this module, SQLite or PostgreSQL. A write transaction says what
 * it must not run beside ({@link Writes}); SQLite has one writer, so there every write runs alone. On
 * PostgreSQL each write first takes advisory locks for that: the faucet's hot writes run beside each
 * other and only reservations queue for one another, while every other write runs alone as on SQLite.
 * Either way every check-then-write, a quota reservation or a fenced signing write, is atomic across
 * threads, processes and instances alike.
 */
public abstract class Database implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Database.class.getName());

    final HikariDataSource dataSource;
    /** Every statement outside a write transaction: its connections never are a transaction's ({@link HikariPool#of}). */
    final DbClient client;
    /** Set once by {@link #close()}; a closed database is neither healthy nor migrated. */
    final AtomicBoolean closed = new AtomicBoolean();

    Database(HikariDataSource dataSource, String poolName) {
        this.dataSource = dataSource;
        this.client = client(HikariPool.of(dataSource, poolName));
    }

    /**
     * A client for the write transactions {@link #begin} begins on connections of {@code pool}, and for
     * nothing else: its pool gives out only the connection handed over, so no read can take it.
     */
    static DbClient transactionClient(HikariDataSource pool, String poolName) {
        return client(HikariPool.transactions(pool, poolName));
    }

    private static DbClient client(HikariPool pool) {
        return JdbcClientBuilder.create().connectionPool(pool).mapperManager(NoDiscovery.MAPPERS).build();
    }

    /**
     * The clients' type mappers, named here instead of found in Helidon's global service registry: a
     * client built with its default mapper manager looks its mapper providers up there, and at start
     * the database thread waited for that registry, which the web server needs and another thread
     * makes meanwhile (up to three fifths of the database thread's start in a profile, docs/performance.md,
     * Start-up, round 25). What it found is named: the built-in mappers and the database client's own provider (the
     * only one on the class path). This module reads columns as the driver gives them, so none is used
     * on its hot paths. Made once, in the first client's thread: the mappers keep caches of their own.
     */
    private static final class NoDiscovery {
        static final MapperManager MAPPERS = new Named(MappersConfig.builder()
                .useBuiltInMappers(true)
                .mapperProvidersDiscoverServices(false)
                .mappersDiscoverServices(false)
                .addMapperProvider(new DbMapperProviderImpl())
                .build());
    }

    /** {@link Mappers} as the {@link MapperManager} a client builder takes. */
    private record Named(Mappers mappers) implements MapperManager {
        @Override
        public MappersConfig prototype() {
            return mappers.prototype();
        }

        @Override
        public <S, T> T map(S source, GenericType<S> sourceType, GenericType<T> targetType, String... qualifiers) throws MapperException {
            return mappers.map(source, sourceType, targetType, qualifiers);
        }

        @Override
        public <S, T> T map(S source, Class<S> sourceType, Class<T> targetType, String... qualifiers) throws MapperException {
            return mappers.map(source, sourceType, targetType, qualifiers);
        }

        @Override
        public <S, T> Optional<Mapper<S, T>> mapper(GenericType<S> sourceType, GenericType<T> targetType, String... qualifiers) {
            return mappers.mapper(sourceType, targetType, qualifiers);
        }
    }

    /**
     * What a write transaction must not run beside. SQLite runs every write alone (it has one writer);
     * PostgreSQL keeps each apart from what its kind names, across every instance on the database.
     */
    enum Writes {
        /** No other write at the same time: whatever it reads stays as read until it commits. */
        ALONE,
        /**
         * Beside the row-locked writes, never beside another reservation (nor a write that runs alone): the
         * quota, daily cap and outflow budget it reads change only through reservations, or shrink
         * (a grant failed or pruned runs alone), so they stay as read until it commits.
         */
        RESERVING,
        /**
         * Beside reservations and one another, never beside a write that runs alone (the payer lease's
         * changes among them, so a lease checked here stays in force until the commit): its work locks the
         * grant rows it reads before it changes them ({@link Dialect#lockingRows}, in the order of their ids).
         */
        ROW_LOCKED
    }

    /** Runs {@code work} as one write transaction that runs alone: committed when it returns, rolled back when it throws. */
    <T> T write(Function<DbTransaction, T> work) {
        return write(Writes.ALONE, work);
    }

    /** Runs {@code work} as one write transaction of the kind {@code writes}: committed when it returns, rolled back when it throws. */
    abstract <T> T write(Writes writes, Function<DbTransaction, T> work);

    /** Runs {@code work} outside any write transaction (each statement sees the latest commit). */
    <T> T read(Function<DbExecute, T> work) {
        return work.apply(new TextNamedStatements(client.execute()));
    }

    /**
     * As {@link #read}, on a pooled JDBC connection of its own for the hot reads of {@link JdbcReads}
     * (autocommit: each statement sees the latest commit).
     */
    <T> T readJdbc(JdbcReads.Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.apply(connection);
        } catch (SQLException e) {
            throw JdbcReads.failed(e);
        }
    }

    /** A write transaction's connection, taken by {@link #begin}, until Helidon's transaction asks its pool for one. */
    private record Handed(HikariDataSource from, Connection connection) {
    }

    private static final ThreadLocal<Handed> HANDED = new ThreadLocal<>();

    /**
     * A write transaction of {@code writes} (a {@link #transactionClient} over {@code pool}) whose
     * connection is taken now, so the hot reads ({@link JdbcReads}) run on the transaction's own
     * connection: Helidon's transaction is handed the same one at its first statement ({@link
     * HikariPool#connection}), on this thread. Only that client's pool looks for it: a read made in the
     * meantime ({@link #read}, any statement of {@link #client}) gets a connection of its own.
     */
    static TextNamedStatements.Transaction begin(DbClient writes, HikariDataSource pool) {
        Connection connection;
        try {
            connection = pool.getConnection();
        } catch (SQLException e) {
            throw new DbClientException("cannot get a database connection", e);
        }
        Handed handed = new Handed(pool, connection);
        HANDED.set(handed);
        return new TextNamedStatements.Transaction(writes.transaction(), connection, () -> {
            boolean untaken = HANDED.get() == handed;
            HANDED.remove();
            return untaken;
        });
    }

    /** For {@link HikariPool}: the connection {@link #begin} took on this thread from {@code pool}, once; else null. */
    static Connection handedFrom(HikariDataSource pool) {
        Handed handed = HANDED.get();
        if (handed == null || handed.from() != pool) {
            return null;
        }
        HANDED.remove();
        return handed.connection();
    }

    abstract Dialect dialect();

    /** A driver's message as it may be logged (a PostgreSQL message can quote the URL's password). */
    String loggable(String message) {
        return message;
    }

    /** For readiness: the database answers a trivial query. */
    public boolean isHealthy() {
        if (closed.get()) {
            return false;
        }
        try {
            return read(db -> db.get("SELECT 1 AS ok").isPresent());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "database health check failed: " + loggable(String.valueOf(e.getMessage())));
            return false;
        }
    }

    /** For readiness: every migration this server knows is applied, and nothing newer. */
    public boolean isMigrated() {
        if (closed.get()) {
            return false;
        }
        try {
            return new Migrations(this).isUpToDate();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "database migration check failed: " + loggable(String.valueOf(e.getMessage())));
            return false;
        }
    }

    /** Refreshes the query planner's statistics. */
    public abstract void optimize();

    @Override
    public abstract void close();
}
