package com.dytallix.bootstrap.observability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.Status;

/**
 * The process's logging, set up in code when logback starts (found through
 * {@code META-INF/services}): one JSON object per line on stdout ({@link JsonLineEncoder}, masked),
 * the {@code access} logger's lines written in batches ({@link BatchedConsoleAppender}, unmasked),
 * the root level from {@code LOG_LEVEL}. Logback's XML configuration took about 150 ms of the main
 * thread at every start (parsing, and setting each property by reflection), before anything else
 * could begin.
 *
 * <p>An operator's own logback XML still wins: with {@code -Dlogback.configurationFile=FILE} this
 * configurator steps aside and logback reads that file.
 */
public final class LoggingConfigurator extends ContextAwareBase implements Configurator {
    /** The system property naming an operator's logback XML (logback's own name for it). */
    static final String CONFIGURATION_FILE = "logback.configurationFile";
    /** The name of the root logger's appender, on stdout (or stderr: {@link Observability#logToStderr()}). */
    static final String CONSOLE = "CONSOLE";
    /** The key of the access lines' appender among the context's objects, when this configurator made it. */
    static final String ACCESS_APPENDER = "dytallix.accessAppender";
    /** How long an access line may wait in the batch. */
    private static final long ACCESS_FLUSH_MILLIS = 100;

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(CONFIGURATION_FILE) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        // Logback's own warnings and errors go to stderr as they come. With no listener of its own the
        // context prints them after set-up, and its printer's class set-up loads the time-zone rules
        // first, on the main thread before anything else starts (5 % of that thread's start).
        context.getStatusManager().getCopyOfStatusList().forEach(LoggingConfigurator::printIfWorrying);
        context.getStatusManager().add(LoggingConfigurator::printIfWorrying);
        // keeps java.util.logging's levels in step with logback's, so JUL does not build records nobody prints
        LevelChangePropagator julLevels = new LevelChangePropagator();
        julLevels.setContext(context);
        julLevels.setResetJUL(true);
        julLevels.start();
        context.addListener(julLevels);

        ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
        stdout.setContext(context);
        stdout.setName(CONSOLE);
        stdout.setEncoder(encoder(context, true));
        stdout.start();

        BatchedConsoleAppender<ILoggingEvent> access = new BatchedConsoleAppender<>();
        access.setContext(context);
        access.setName("ACCESS");
        access.setFlushMillis(ACCESS_FLUSH_MILLIS);
        access.setEncoder(encoder(context, false));
        access.start();

        // found there by AccessLog, which writes the access lines into it directly
        context.putObject(ACCESS_APPENDER, access);
        Logger accessLogger = context.getLogger("access");
        accessLogger.setAdditive(false);
        accessLogger.addAppender(access);

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(startLevel(context));
        root.addAppender(stdout);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static void printIfWorrying(Status status) {
        if (status.getEffectiveLevel() >= Status.WARN) {
            System.err.println(status);
        }
    }

    private static JsonLineEncoder encoder(LoggerContext context, boolean masked) {
        JsonLineEncoder encoder = new JsonLineEncoder();
        encoder.setContext(context);
        encoder.setMasked(masked);
        encoder.start();
        return encoder;
    }

    /**
     * LOG_LEVEL as logback would look it up (the context, then system properties, then the
     * environment), info when unset or not a level: the configuration, read later, checks the value
     * and applies it (or stops the start with the problem).
     */
    private static Level startLevel(LoggerContext context) {
        String level = context.getProperty("LOG_LEVEL");
        if (level == null) {
            level = System.getProperty("LOG_LEVEL");
        }
        if (level == null) {
            level = System.getenv("LOG_LEVEL");
        }
        return Level.toLevel(level == null ? null : level.trim(), Level.INFO);
    }
}
