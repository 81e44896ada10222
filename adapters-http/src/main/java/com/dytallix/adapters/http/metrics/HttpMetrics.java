package com.dytallix.adapters.http.metrics;

import com.dytallix.adapters.http.RequestObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Records every finished request as {@code http_requests_total{method,path,status}} and
 * {@code http_request_duration_seconds{method,path,status}}. {@code path} is the route template
 * the edge filter resolved (or "unmatched"), never a raw URL, so the label set stays bounded. An answer
 * given before routing ({@link #refused}) is counted with the path {@value RequestObserver#UNROUTED}
 * and no duration (the edge does not time them): {@code http_requests_total{path="unrouted"}}.
 */
public final class HttpMetrics implements RequestObserver {
    /** A client can send any method token; only standard ones become label values. */
    private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH",
            "OPTIONS", "TRACE", "CONNECT");
    private static final String OTHER = "other";

    private final MeterRegistry registry;
    /**
     * The counter and timer of each method, route template and status (a bounded set), built once:
     * building and looking them up in the registry on every request cost more than the rest of the
     * request's bookkeeping.
     */
    private final Map<Key, Meters> meters = new ConcurrentHashMap<>();

    /** The counters of the answers given before routing, by method label and status (a bounded set). */
    private final Map<Key, Counter> unrouted = new ConcurrentHashMap<>();

    private record Meters(Counter requests, Timer duration) {
    }

    /**
     * A record, not a joined string: the route and method are constants whose hashes are kept, and nothing is copied.
     * Its hash and equality written out (the same as the record's): the generated ones showed in every request's profile.
     */
    private record Key(String method, String route, int status) {
        @Override
        public int hashCode() {
            return (31 * method.hashCode() + route.hashCode()) * 31 + status;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && status == k.status && method.equals(k.method) && route.equals(k.route);
        }
    }

    public HttpMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The latency histogram's buckets, 1 ms to 10 s: wide enough for the 2 s RPC alert and the
     * node timeout. Shared by every duration histogram so their quantiles compare.
     */
    public static Duration[] latencyBuckets() {
        return new Duration[] {
                Duration.ofMillis(1), Duration.ofMillis(2).plusNanos(500_000), Duration.ofMillis(5),
                Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
                Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
                Duration.ofSeconds(5), Duration.ofSeconds(10)};
    }

    @Override
    public void completed(String method, String route, int status, long durationNanos, String requestId, String clientIp) {
        String label = methodLabel(method);
        Key key = new Key(label, route, status);
        Meters m = meters.get(key);
        if (m == null) {
            m = meters.computeIfAbsent(key, k -> {
                Tags tags = tags(label, route, status);
                return new Meters(requests(tags),
                        Timer.builder("http.request.duration")
                                .description("HTTP request duration in seconds, by method, route template and status")
                                .tags(tags)
                                .serviceLevelObjectives(latencyBuckets())
                                .register(registry));
            });
        }
        m.requests().increment();
        m.duration().record(Math.max(0, durationNanos), TimeUnit.NANOSECONDS);
    }

    @Override
    public void refused(String method, String path, int status, String code, String requestId, String clientIp) {
        String label = methodLabel(method);
        Key key = new Key(label, UNROUTED, status);
        Counter c = unrouted.get(key);
        if (c == null) {
            c = unrouted.computeIfAbsent(key, k -> requests(tags(label, UNROUTED, status)));
        }
        c.increment();
    }

    private static Tags tags(String method, String route, int status) {
        return Tags.of("method", method, "path", route, "status", Integer.toString(status));
    }

    /** {@code http_requests_total}'s series of {@code tags}, routed or not. */
    private Counter requests(Tags tags) {
        return Counter.builder("http.requests")
                .description("HTTP requests answered, by method, route template and status")
                .tags(tags)
                .register(registry);
    }

    private static String methodLabel(String method) {
        // Methods are case-sensitive: "get" is not GET, so it is labelled as other.
        return KNOWN_METHODS.contains(method) ? method : OTHER;
    }
}
