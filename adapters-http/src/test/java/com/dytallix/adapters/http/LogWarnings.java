package com.dytallix.adapters.http;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The warnings (and worse) the server logs during each test, ours and Helidon's: for the tests that
 * a client's doing raises none. Register it as a non-static {@code @RegisterExtension} field.
 */
final class LogWarnings implements BeforeEachCallback, AfterEachCallback {
    /** Held here: java.util.logging keeps its loggers weakly, and a collected one would lose the handler. */
    private static final List<Logger> WATCHED = List.of(Logger.getLogger("io.helidon"), Logger.getLogger("com.dytallix"));
    private static final SimpleFormatter FORMAT = new SimpleFormatter();
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                records.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @Override
    public void beforeEach(ExtensionContext context) {
        records.clear();
        WATCHED.forEach(l -> l.addHandler(capture));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        WATCHED.forEach(l -> l.removeHandler(capture));
    }

    /** What was logged at WARNING or above since the test began. */
    List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** The warnings, one per line (level, logger, message, and the exception if any): an assertion's description. */
    String describe() {
        StringBuilder out = new StringBuilder();
        for (LogRecord r : records) {
            out.append(r.getLevel()).append(' ').append(r.getLoggerName()).append(": ").append(FORMAT.formatMessage(r));
            if (r.getThrown() != null) {
                out.append(" [").append(r.getThrown()).append(']');
            }
            out.append('\n');
        }
        return out.toString();
    }
}
