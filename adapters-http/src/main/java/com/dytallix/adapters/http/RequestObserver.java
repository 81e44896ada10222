package com.dytallix.adapters.http;

/** Told about every finished request (HTTP metrics live behind it). */
@FunctionalInterface
public interface RequestObserver {
    void completed(String method, String route, int status, long durationNanos);

    RequestObserver NONE = (method, route, status, durationNanos) -> {
    };
}
