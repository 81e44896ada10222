package com.dytallix.adapters.persistence;

import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbTransaction;
import java.util.function.Function;

/**
 * The database behind every port of this module, SQLite or PostgreSQL. Write transactions run one
 * at a time (SQLite has one writer; on PostgreSQL each write transaction first takes one advisory
 * lock), so every check-then-write, a quota reservation or a fenced signing write, is atomic across
 * threads, processes and instances alike.
 */
public abstract class Database implements AutoCloseable {

    /** Runs {@code work} as one write transaction: committed when it returns, rolled back when it throws. */
    abstract <T> T write(Function<DbTransaction, T> work);

    /** Runs {@code work} outside any write transaction (each statement sees the latest commit). */
    abstract <T> T read(Function<DbExecute, T> work);

    abstract Dialect dialect();

    /** For readiness: the database answers a trivial query. */
    public abstract boolean isHealthy();

    /** For readiness: every migration this server knows is applied, and nothing newer. */
    public abstract boolean isMigrated();

    /** Refreshes the query planner's statistics. */
    public abstract void optimize();

    @Override
    public abstract void close();
}
