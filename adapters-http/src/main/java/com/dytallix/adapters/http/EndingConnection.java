package com.dytallix.adapters.http;

import io.helidon.common.concurrency.limits.Limit;
import io.helidon.webserver.spi.ServerConnection;

/**
 * Helidon's connection, with {@code onEnd} run once Helidon is done with it, however that ends: how the
 * edge gives back what a connection held (its place among the open connections, its frames' memory).
 */
record EndingConnection(ServerConnection connection, Runnable onEnd) implements WrappingConnection {
    @Override
    public void handle(Limit limit) throws InterruptedException {
        try {
            connection.handle(limit);
        } finally {
            onEnd.run();
        }
    }
}
