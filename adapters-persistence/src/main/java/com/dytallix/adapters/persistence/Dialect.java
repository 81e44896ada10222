package com.dytallix.adapters.persistence;

/**
 * What differs in SQL between the two stores; every statement is otherwise the same text. Both
 * hold the same tables and columns (PostgreSQL's {@code rowid} is an identity column standing in for
 * SQLite's implicit one); SQLite keeps times as UTC text, PostgreSQL as {@code timestamptz} (the
 * connection sends the same text and PostgreSQL reads it in UTC).
 */
enum Dialect {
    SQLITE("db/migration/",
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", "TEXT",
            "SELECT last_insert_rowid() AS id"),
    // rowid: an identity column standing in for SQLite's implicit one
    POSTGRES("db/migration/postgres/",
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'",
            "TIMESTAMPTZ", "SELECT lastval() AS id");

    private final String migrations;
    private final String migrationsTableExists;
    private final String timeType;
    private final String lastInsertId;

    Dialect(String migrations, String migrationsTableExists, String timeType,
            String lastInsertId) {
        this.migrations = migrations;
        this.migrationsTableExists = migrationsTableExists;
        this.timeType = timeType;
        this.lastInsertId = lastInsertId;
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
