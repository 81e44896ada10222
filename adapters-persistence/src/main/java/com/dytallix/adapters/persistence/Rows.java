package com.dytallix.adapters.persistence;

import io.helidon.dbclient.DbRow;
import java.time.Instant;
import java.util.Optional;

/** Reading SQLite columns: small integers come back as Integer, so numbers go through {@link Number}. */
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
        return optionalText(row, column).map(Timestamps::parse);
    }

    static Instant time(DbRow row, String column) {
        return Timestamps.parse(text(row, column));
    }
}
