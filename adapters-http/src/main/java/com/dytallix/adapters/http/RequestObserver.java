package com.dytallix.adapters.http;

/**
 * Told about every finished request: the HTTP metrics and the access line live behind it.
 * {@code clientIp} and {@code requestId} are the edge's own (a request id it accepted only when it
 * cannot be a key), so nothing here needs masking.
 */
@FunctionalInterface
public interface RequestObserver {
    /**
     * The route of every answer given before routing ({@link #refused}): the metrics' path label for
     * them, one value whatever the request line said, so a hostile one can never make a new series.
     */
    String UNROUTED = "unrouted";
    /** What {@link #refused} is told for a method or path it does not know (a refused connection, an unparsed request line). */
    String UNKNOWN = "-";

    void completed(String method, String route, int status, long durationNanos, String requestId, String clientIp);

    /**
     * An answer given before routing: a request line or headers the parser refused (400, 414, 431),
     * HTTP/1.0 (505), a body over the listener's backstop (413), or a connection over a limit (429,
     * 503). {@code method} and {@code path} are as the edge read them, bounded and with every byte
     * outside printable ASCII escaped ({@link LogSafe}), or {@value #UNKNOWN}; {@code code} is the
     * envelope's error code. By default counted as a request of the route {@value #UNROUTED} that took no time.
     */
    default void refused(String method, String path, int status, String code, String requestId, String clientIp) {
        completed(method, UNROUTED, status, 0, requestId, clientIp);
    }

    /**
     * Whether an answer is the server's failure, worth a warning in the log: a 5xx, except the one a
     * client causes at will, HTTP/1.0's 505 (the only 5xx whose code is {@code INVALID_REQUEST}). A
     * client can send anything any number of times; what it sends must never raise the server's
     * warnings. A 503 {@code SERVER_BUSY} (the server at HTTP_MAX_CONNECTIONS) stays one: no single
     * client can cause it (each has HTTP_MAX_CONNECTIONS_PER_CLIENT), and the operator must act on it.
     */
    static boolean serverFault(int status, String code) {
        return status >= 500 && !"INVALID_REQUEST".equals(code);
    }

    RequestObserver NONE = (method, route, status, durationNanos, requestId, clientIp) -> {
    };
}
