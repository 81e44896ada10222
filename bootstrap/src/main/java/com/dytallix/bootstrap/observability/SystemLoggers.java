package com.dytallix.bootstrap.observability;

import java.util.MissingResourceException;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDK's {@link System.Logger} (the server's own logging API, and Helidon's) into SLF4J and so
 * logback, found by the JDK through {@code META-INF/services}. It replaces slf4j-jdk-platform-logging,
 * which filled a message's parameters with {@link java.text.MessageFormat} and so wrote numbers with
 * the locale's digit grouping; here {@link LogMessages} fills them.
 */
public final class SystemLoggers extends System.LoggerFinder {
    @Override
    public System.Logger getLogger(String name, Module module) {
        return new ToSlf4j(LoggerFactory.getLogger(name));
    }

    private record ToSlf4j(Logger logger) implements System.Logger {
        @Override
        public String getName() {
            return logger.getName();
        }

        @Override
        public boolean isLoggable(System.Logger.Level level) {
            return level != System.Logger.Level.OFF && logger.isEnabledForLevel(slf4j(level));
        }

        @Override
        public void log(System.Logger.Level level, ResourceBundle bundle, String message, Throwable thrown) {
            if (isLoggable(level)) {
                logger.atLevel(slf4j(level)).setCause(thrown).log(localized(bundle, message));
            }
        }

        @Override
        public void log(System.Logger.Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) {
                logger.atLevel(slf4j(level)).log(LogMessages.format(localized(bundle, format), params));
            }
        }

        @Override
        public void log(System.Logger.Level level, Supplier<String> message) {
            if (isLoggable(level)) {
                logger.atLevel(slf4j(level)).log(message.get());
            }
        }

        private static String localized(ResourceBundle bundle, String key) {
            if (bundle == null || key == null) {
                return key;
            }
            try {
                return bundle.getString(key);
            } catch (MissingResourceException e) {
                return key;
            }
        }

        // (a System.Logger's own Level is the one in scope here)
        private static org.slf4j.event.Level slf4j(System.Logger.Level level) {
            return switch (level) {
                case ALL, TRACE -> org.slf4j.event.Level.TRACE;
                case DEBUG -> org.slf4j.event.Level.DEBUG;
                case INFO -> org.slf4j.event.Level.INFO;
                case WARNING -> org.slf4j.event.Level.WARN;
                case ERROR, OFF -> org.slf4j.event.Level.ERROR;
            };
        }
    }
}
