package com.dytallix.adapters.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * HTTP_READ_TIMEOUT_MS: a request's headers and body must arrive within it, counted from its
 * request line; a connection that is still sending them then is closed.
 *
 * <p>Helidon 4.5 has no such deadline: its socket {@code read-timeout} is not applied to server
 * connections, and its idle-connection check (used for HTTP_IDLE_TIMEOUT_MS) only interrupts a
 * connection that waits for a request line, never one in the middle of headers or a body. So the
 * deadline lives here: Helidon tells this listener when a request line and its headers have been
 * read, on the connection's own thread; the edge filter and {@link Bodies} mark when the body is
 * being read; a sweeper closes the socket of any connection past its deadline.
 */
final class ReadDeadlines implements Http1ConnectionListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ReadDeadlines.class.getName());
    /** The request being read on this connection thread (Helidon serves each connection on one thread). */
    private static final ThreadLocal<Reading> CURRENT = new ThreadLocal<>();

    private final long timeoutNanos;
    private final Duration timeout;
    private final Map<Reading, Boolean> reading = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;

    public ReadDeadlines(Duration timeout) {
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("http-read-deadlines").daemon(true).factory());
        long period = Math.clamp(timeout.toMillis() / 10, 20, 1000);
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /** A key by identity: a record's hash asked the connection for its own, at every put and remove. */
    private static final class Reading {
        private final ConnectionContext connection;
        private final long since;
        private final ReadDeadlines owner;

        Reading(ConnectionContext connection, long since, ReadDeadlines owner) {
            this.connection = connection;
            this.since = since;
            this.owner = owner;
        }

        boolean overdue(long now) {
            return now - since > owner.timeoutNanos;
        }
    }

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        Reading r = new Reading(ctx, System.nanoTime(), this);
        CURRENT.set(r);
        reading.put(r, Boolean.TRUE);
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        if (headers.contains(HeaderNames.UPGRADE)) {
            // a protocol upgrade (WebSocket) keeps its connection on its own terms; if it is routed
            // as plain HTTP instead, the filter and the body reader put it back under the deadline
            pause();
        }
    }

    /** Stops the clock while the request is handled (the filter calls it once the headers are in). */
    static void pause() {
        Reading r = CURRENT.get();
        if (r != null) {
            r.owner.reading.remove(r);
        }
    }

    /** Runs {@code read} (a body read) under the request's deadline. */
    static <T> T whileReading(Supplier<T> read) {
        Reading r = CURRENT.get();
        if (r == null) {
            return read.get();
        }
        r.owner.reading.put(r, Boolean.TRUE);
        try {
            return read.get();
        } finally {
            r.owner.reading.remove(r);
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Reading r : reading.keySet()) {
            try {
                closeIfOverdue(r, now);
            } catch (RuntimeException e) {
                reading.remove(r);
                LOG.log(System.Logger.Level.WARNING, "read deadline check failed: {0}", e.toString());
            }
        }
    }

    private void closeIfOverdue(Reading r, long now) {
        {
            if (!r.connection.serverSocket().isConnected()) {
                reading.remove(r);
            } else if (r.overdue(now)) {
                reading.remove(r);
                LOG.log(System.Logger.Level.INFO, "closed a connection from {0}: request not received within {1} ms (HTTP_READ_TIMEOUT_MS)",
                        r.connection.serverSocket().remotePeer().host(), timeout.toMillis());
                try {
                    r.connection.serverSocket().close();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "closing an overdue connection failed: {0}", e.toString());
                }
            }
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
