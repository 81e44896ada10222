package com.dytallix.application.faucet;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The lines a class logs (its System.Logger reaches java.util.logging in these tests) at {@code least} or above, from
 * construction to {@link #close()}: what an operator would read.
 */
final class LogLines implements AutoCloseable {
    private static final SimpleFormatter FORMAT = new SimpleFormatter();

    final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Logger logger;
    private final Handler capture;

    LogLines(Class<?> source, Level least) {
        logger = Logger.getLogger(source.getName());
        capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= least.intValue()) {
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
        logger.addHandler(capture);
    }

    /** The messages at {@code level} or above, their arguments filled in. */
    List<String> messages(Level level) {
        return records.stream().filter(r -> r.getLevel().intValue() >= level.intValue()).map(FORMAT::formatMessage).toList();
    }

    @Override
    public void close() {
        logger.removeHandler(capture);
    }
}
