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

    /**
     * The form this server writes is read by hand (the admission rules read a time per counted
     * grant, so the formatter showed in profiles); anything else, e.g. a row written in the sqlite3
     * shell, through the formatter.
     */
    static Instant parse(String text) {
        if (text.length() == 23 && text.charAt(4) == '-' && text.charAt(7) == '-' && text.charAt(10) == ' '
                && text.charAt(13) == ':' && text.charAt(16) == ':' && text.charAt(19) == '.') {
            int year = digits(text, 0, 4);
            int month = digits(text, 5, 7);
            int day = digits(text, 8, 10);
            int hour = digits(text, 11, 13);
            int minute = digits(text, 14, 16);
            int second = digits(text, 17, 19);
            int millis = digits(text, 20, 23);
            if (year >= 0 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 && second >= 0 && millis >= 0) {
                return LocalDateTime.of(year, month, day, hour, minute, second, millis * 1_000_000).toInstant(ZoneOffset.UTC);
            }
        }
        return LocalDateTime.parse(text, READ).toInstant(ZoneOffset.UTC);
    }

    /** The decimal number in {@code text[from, to)}, or -1 when a character is not an ASCII digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    static String now() {
        return format(Instant.now());
    }
}
