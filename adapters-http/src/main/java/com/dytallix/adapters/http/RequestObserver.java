package com.dytallix.adapters.http;

/**
 * Told about every finished request: the HTTP metrics and the access line live behind it.
 * {@code clientIp} and {@code requestId} are the edge's own (a request id it accepted only when it
 * cannot be a key), so nothing here needs masking.
 */
@FunctionalInterface
public interface RequestObserver {
    void completed(String method, String route, int status, long durationNanos, String requestId, String clientIp);

    RequestObserver NONE = (method, route, status, durationNanos, requestId, clientIp) -> {
    };
}
