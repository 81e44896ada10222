package com.dytallix.bootstrap.observability;

import io.helidon.logging.common.spi.LoggingProvider;

/**
 * Helidon's hook for a logging set-up (found through {@code META-INF/services}): ours is logback,
 * configured in code, with java.util.logging routed into it. Without a provider Helidon prints
 * "There is no Helidon logging implementation on classpath" on stderr at every start.
 */
public final class HelidonLogging implements LoggingProvider {
    @Override
    public void initialization() {
        Observability.installLogging();
    }

    @Override
    public void runTime() {
        Observability.installLogging();
    }
}
