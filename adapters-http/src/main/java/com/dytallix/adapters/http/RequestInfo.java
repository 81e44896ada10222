package com.dytallix.adapters.http;

import com.dytallix.domain.ClientIp;
import io.helidon.webserver.http.ServerRequest;

/** Per-request facts the edge filter establishes once: request id, resolved client IP, route template. */
final class RequestInfo {
    /** The label for requests no route matched, so raw URLs never become metric labels. */
    public static final String UNMATCHED = "unmatched";

    private final String requestId;
    private final ClientIp clientIp;
    private final long startNanos;
    private volatile String route = UNMATCHED;

    RequestInfo(String requestId, ClientIp clientIp, long startNanos) {
        this.requestId = requestId;
        this.clientIp = clientIp;
        this.startNanos = startNanos;
    }

    public static RequestInfo of(ServerRequest req) {
        return req.context().get(RequestInfo.class, RequestInfo.class)
                .orElseThrow(() -> new IllegalStateException("edge filter did not run"));
    }

    public String requestId() {
        return requestId;
    }

    public ClientIp clientIp() {
        return clientIp;
    }

    long startNanos() {
        return startNanos;
    }

    public String route() {
        return route;
    }

    void route(String template) {
        this.route = template;
    }
}
