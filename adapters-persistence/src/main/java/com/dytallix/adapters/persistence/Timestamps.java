package com.dytallix.adapters.persistence;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;

/**
 * Instants as SQLite's own datetime text in UTC, {@code YYYY-MM-DD HH:MM:SS.SSS}: fixed width, so
 * text order is time order and comparisons with {@code datetime('now', ...)} are right.
 */
final class Timestamps {
    private static final DateTimeFormatter WRITE = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS");
    // Also reads rows written by hand in the sqlite3 shell, e.g. datetime('now') without milliseconds.
    private static final DateTimeFormatter READ = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter();

    private Timestamps() {
    }

    static String format(Instant instant) {
        return WRITE.format(LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
    }

    static Instant parse(String text) {
        return LocalDateTime.parse(text, READ).toInstant(ZoneOffset.UTC);
    }

    static String now() {
        return format(Instant.now());
    }
}
