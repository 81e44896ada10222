package com.dytallix.bootstrap.observability;

import java.util.MissingResourceException;
import java.util.logging.LogRecord;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * java.util.logging into SLF4J as {@link SLF4JBridgeHandler} does, a record's parameters filled in by
 * {@link LogMessages} first (the handler itself would use {@link java.text.MessageFormat}, which
 * groups a number's digits by the locale).
 */
final class JavaLoggingBridge extends SLF4JBridgeHandler {
    @Override
    public void publish(LogRecord record) {
        Object[] params = record == null ? null : record.getParameters();
        if (params == null || params.length == 0 || record.getMessage() == null) {
            super.publish(record);
            return;
        }
        LogRecord plain = new LogRecord(record.getLevel(), LogMessages.format(localized(record), params));
        plain.setLoggerName(record.getLoggerName());
        plain.setThrown(record.getThrown());
        plain.setInstant(record.getInstant());
        plain.setLongThreadID(record.getLongThreadID());
        plain.setSourceClassName(record.getSourceClassName());
        plain.setSourceMethodName(record.getSourceMethodName());
        super.publish(plain);
    }

    private static String localized(LogRecord record) {
        if (record.getResourceBundle() == null) {
            return record.getMessage();
        }
        try {
            return record.getResourceBundle().getString(record.getMessage());
        } catch (MissingResourceException e) {
            return record.getMessage();
        }
    }
}
