package com.dytallix.adapters.persistence;

import java.time.Duration;
import java.util.Locale;

/**
 * What differs in SQL between the two stores; every statement is otherwise the same text. Both
 * hold the same tables and columns (PostgreSQL's {@code rowid} is an identity column standing in for
 * SQLite's implicit one); SQLite keeps times as UTC text, PostgreSQL as {@code timestamptz} (the
 * connection sends the same text and PostgreSQL reads it in UTC).
 */
enum Dialect {
    // 'now' is the same instant throughout one SQLite statement, at millisecond precision
    SQLITE("db/migration/",
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", "TEXT",
            "SELECT last_insert_rowid() AS id",
            "strftime('%Y-%m-%d %H:%M:%f', 'now')", "strftime('%Y-%m-%d %H:%M:%f', 'now', ?)", ""),
    // rowid: an identity column standing in for SQLite's implicit one. clock_timestamp(), not now():
    // now() is when the transaction began, which can be long before it got the writers' lock.
    POSTGRES("db/migration/postgres/",
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'",
            "TIMESTAMPTZ", "SELECT lastval() AS id",
            "clock_timestamp()", "(clock_timestamp() + CAST(? AS interval))", " FOR UPDATE");

    private final String migrations;
    private final String migrationsTableExists;
    private final String timeType;
    private final String lastInsertId;
    private final String now;
    private final String nowPlus;
    private final String lockingRows;

    Dialect(String migrations, String migrationsTableExists, String timeType,
            String lastInsertId, String now, String nowPlus, String lockingRows) {
        this.migrations = migrations;
        this.migrationsTableExists = migrationsTableExists;
        this.timeType = timeType;
        this.lastInsertId = lastInsertId;
        this.now = now;
        this.nowPlus = nowPlus;
        this.lockingRows = lockingRows;
    }

    /**
     * The database's clock now, as a SQL expression comparable with a stored time. Where several
     * processes must agree on time (the payer lease), they ask the database, never their own clocks.
     */
    String now() {
        return now;
    }

    /** The database's clock plus the duration bound to its one parameter by {@link #interval(Duration)}. */
    String nowPlus() {
        return nowPlus;
    }

    /** A duration, negative ones too, as both stores read it: an SQLite date modifier and a PostgreSQL interval alike. */
    static String interval(Duration duration) {
        Duration size = duration.abs();
        return String.format(Locale.ROOT, "%s%d.%03d seconds", duration.isNegative() ? "-" : "+", size.toSeconds(),
                size.toMillisPart());
    }

    /**
     * The end of a {@code SELECT} that locks the rows it reads until the transaction ends, so that a
     * {@link Database.Writes#ROW_LOCKED} write changes them as read: {@code FOR UPDATE} on PostgreSQL,
     * nothing on SQLite (where every write runs alone).
     */
    String lockingRows() {
        return lockingRows;
    }

    /** Where this store's migration scripts are on the classpath. */
    String migrations() {
        return migrations;
    }

    String migrationsTableExists() {
        return migrationsTableExists;
    }

    /** The generated id of the row this transaction inserted last, as column {@code id}. */
    String lastInsertId() {
        return lastInsertId;
    }

    /** The column type of a point in time. */
    String timeType() {
        return timeType;
    }
}
