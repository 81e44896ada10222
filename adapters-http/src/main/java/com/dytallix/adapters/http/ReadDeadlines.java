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

    /**
     * One connection's clock, made and listed once per connection (a connection's requests run one after the other on
     * its thread): a request only sets its start and whether it is being read, so no request adds to or removes from
     * the shared table (a put and a remove for its headers and two more for its body showed in every request's profile).
     * A key by identity: a record's hash asked the connection for its own. It leaves the table when the sweeper finds
     * its connection closed.
     */
    private static final class Reading {
        private final ConnectionContext connection;
        private final ReadDeadlines owner;
        /** When the request being read began (its request line), in {@link System#nanoTime()} terms. */
        private volatile long since;
        /** Whether the request's headers or body are being read now: only then does its deadline run. */
        private volatile boolean active;
        /** Whether it is in the owner's table (the sweeper takes out those that failed to be checked). */
        private volatile boolean listed;

        Reading(ConnectionContext connection, ReadDeadlines owner) {
            this.connection = connection;
            this.owner = owner;
        }

        boolean overdue(long now) {
            return active && now - since > owner.timeoutNanos;
        }
    }

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        Reading r = CURRENT.get();
        if (r == null || r.connection != ctx || r.owner != this) {
            r = new Reading(ctx, this);
            CURRENT.set(r);
        }
        r.since = System.nanoTime();
        r.active = true;
        if (!r.listed) {
            r.listed = true;
            reading.put(r, Boolean.TRUE);
        }
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
            r.active = false;
        }
    }

    /** Runs {@code read} (a body read) under the request's deadline, counted from its request line. */
    static <T> T whileReading(Supplier<T> read) {
        Reading r = CURRENT.get();
        if (r == null) {
            return read.get();
        }
        r.active = true;
        try {
            return read.get();
        } finally {
            r.active = false;
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Reading r : reading.keySet()) {
            try {
                closeIfOverdue(r, now);
            } catch (RuntimeException e) {
                unlist(r);
                LOG.log(System.Logger.Level.WARNING, "read deadline check failed: {0}", e.toString());
            }
        }
    }

    private void unlist(Reading r) {
        r.listed = false;
        reading.remove(r);
    }

    private void closeIfOverdue(Reading r, long now) {
        {
            if (!r.connection.serverSocket().isConnected()) {
                unlist(r);
            } else if (r.overdue(now)) {
                unlist(r);
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
