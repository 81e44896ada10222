package com.dytallix.adapters.persistence;

import io.helidon.dbclient.DbRow;
import java.time.Instant;
import java.util.Optional;

/**
 * Reading columns of either store: small integers come back as Integer, so numbers go through
 * {@link Number}; a time is UTC text in SQLite and a timestamp in PostgreSQL.
 */
final class Rows {
    private Rows() {
    }

    static Optional<String> optionalText(DbRow row, String column) {
        return row.column(column).asOptional().map(Object::toString);
    }

    static String text(DbRow row, String column) {
        return optionalText(row, column).orElseThrow(() -> new IllegalStateException(column + " is NULL"));
    }

    static Optional<Long> optionalInteger(DbRow row, String column) {
        return row.column(column).asOptional().map(value -> ((Number) value).longValue());
    }

    static Long integer(DbRow row, String column) {
        return optionalInteger(row, column).orElseThrow(() -> new IllegalStateException(column + " is NULL"));
    }

    static Optional<Instant> optionalTime(DbRow row, String column) {
        return row.column(column).asOptional().map(Rows::instant);
    }

    /** A time column's value, of either store (also for {@link JdbcReads}). */
    static Instant instant(Object value) {
        return switch (value) {
            case java.sql.Timestamp t -> t.toInstant();
            case java.time.OffsetDateTime t -> t.toInstant();
            case Instant t -> t;
            default -> Timestamps.parse(value.toString());
        };
    }

    static Instant time(DbRow row, String column) {
        return optionalTime(row, column).orElseThrow(() -> new IllegalStateException(column + " is NULL"));
    }
}
