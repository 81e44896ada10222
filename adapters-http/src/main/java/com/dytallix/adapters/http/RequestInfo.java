package com.dytallix.adapters.http;

import com.dytallix.domain.ClientIp;
import java.util.Optional;

/**
 * Per-request facts the edge filter establishes once: request id, resolved client IP, route template.
 *
 * <p>Held by the request's thread while the edge filter runs, not in Helidon's request context:
 * Helidon runs a connection's requests one after the other on its own thread, filters, handlers and
 * error handlers alike, and creating the context and looking the facts up in it five times cost
 * more than the rest of the edge's bookkeeping.
 */
final class RequestInfo {
    /** The label for requests no route matched, so raw URLs never become metric labels. */
    public static final String UNMATCHED = "unmatched";
    private static final ThreadLocal<RequestInfo> CURRENT = new ThreadLocal<>();

    private final String requestId;
    private final ClientIp clientIp;
    private final long arrivedAt;
    private String route = UNMATCHED;
    private boolean clientGone;

    /** @param arrivedAt when the edge filter first saw the request, {@link System#nanoTime()} */
    RequestInfo(String requestId, ClientIp clientIp, long arrivedAt) {
        this.requestId = requestId;
        this.clientIp = clientIp;
        this.arrivedAt = arrivedAt;
    }

    /** The request this thread is serving. */
    public static RequestInfo current() {
        RequestInfo info = CURRENT.get();
        if (info == null) {
            throw new IllegalStateException("edge filter did not run");
        }
        return info;
    }

    /** The request this thread is serving, if the edge filter is running on it. */
    static Optional<RequestInfo> find() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** Makes this the request of this thread until {@link #end()}. */
    void begin() {
        CURRENT.set(this);
    }

    /** Set to none rather than removed: the connection's next request then replaces the thread's entry instead of adding one. */
    void end() {
        CURRENT.set(null);
    }

    public String requestId() {
        return requestId;
    }

    public ClientIp clientIp() {
        return clientIp;
    }

    /** When the edge filter first saw the request (its headers read), in {@link System#nanoTime()} terms. */
    public long arrivedAt() {
        return arrivedAt;
    }

    public String route() {
        return route;
    }

    void route(String template) {
        this.route = template;
    }

    /** Notes that writing the answer failed because the client went away: the connection is to be closed. */
    void clientGone() {
        this.clientGone = true;
    }

    boolean isClientGone() {
        return clientGone;
    }
}
