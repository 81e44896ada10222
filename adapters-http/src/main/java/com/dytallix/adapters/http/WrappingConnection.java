package com.dytallix.adapters.http;

import io.helidon.webserver.spi.ServerConnection;
import java.time.Duration;

/**
 * A wrapper of Helidon's connection that changes only how it is handled: its idleness and its closing
 * are the wrapped connection's. A record implements it with a {@code connection} component.
 */
interface WrappingConnection extends ServerConnection {
    /** The connection wrapped. */
    ServerConnection connection();

    @Override
    default Duration idleTime() {
        return connection().idleTime();
    }

    @Override
    default void close(boolean interrupt) {
        connection().close(interrupt);
    }
}
