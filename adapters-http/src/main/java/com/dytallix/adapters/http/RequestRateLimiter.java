package com.dytallix.adapters.http;

import com.dytallix.application.Telemetry;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.grant.LimitScope;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * RATE_LIMIT_REQUESTS_PER_MINUTE for every {@code /api/*} request, per client (a resilience4j
 * RateLimiter each, no waiting). An IPv6 client is counted by its prefix (IPV6_CLIENT_PREFIX, /64
 * by default: the block one subscriber is normally given), so rotating addresses inside it gains
 * nothing; the faucet's per-IP rules count the same client. At most {@code maxTracked}
 * limiters are kept; beyond that the least recently used one is dropped: the one that has been
 * idle longest, and a limiter idle for a whole period is back to its full budget anyway.
 */
public final class RequestRateLimiter implements Filter {
    public static final int DEFAULT_MAX_TRACKED = 20_000;
    private static final Duration PERIOD = Duration.ofMinutes(1);

    private final RateLimiterConfig config;
    private final int perMinute;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final Telemetry telemetry;
    private final Map<String, RateLimiter> limiters;
    private final int ipv6Prefix;

    public RequestRateLimiter(int perMinute, int ipv6Prefix, Telemetry telemetry) {
        this(perMinute, ipv6Prefix, DEFAULT_MAX_TRACKED, Clock.systemUTC(), System::nanoTime, telemetry);
    }

    /** @param nanoTime the monotonic time the limiters count periods with (a test moves it with {@code clock}) */
    public RequestRateLimiter(int perMinute, int ipv6Prefix, int maxTracked, Clock clock, LongSupplier nanoTime,
                              Telemetry telemetry) {
        if (perMinute < 1 || maxTracked < 1) {
            throw new IllegalArgumentException("perMinute and maxTracked must be positive");
        }
        this.perMinute = perMinute;
        this.config = RateLimiterConfig.custom()
                .limitForPeriod(perMinute)
                .limitRefreshPeriod(PERIOD)
                .timeoutDuration(Duration.ZERO)
                .build();
        this.ipv6Prefix = ipv6Prefix;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.telemetry = telemetry;
        this.limiters = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, RateLimiter> eldest) {
                return size() > maxTracked;
            }
        };
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (path.equals("/api") || path.startsWith("/api/")) {
            Optional<Instant> refusedUntil = acquire(RequestInfo.of(req).clientIp());
            if (refusedUntil.isPresent()) {
                HttpEdge.write(req, res, ErrorMapper.rateLimited(LimitScope.REQUESTS.wireName(), refusedUntil.get(),
                        "too many requests from this client; retry after the time in Retry-After"));
                return;
            }
        }
        chain.proceed();
    }

    /** Takes one permit for this client: empty when allowed, else when the next permit comes. */
    Optional<Instant> acquire(ClientIp ip) {
        return acquire(ip, 1);
    }

    /** Takes {@code permits} at once (a WebSocket batch counts its items): all or none. */
    Optional<Instant> acquire(ClientIp ip, int permits) {
        RateLimiter limiter;
        synchronized (limiters) {
            limiter = limiters.computeIfAbsent(ip.client(ipv6Prefix).toString(), this::newLimiter);
        }
        // more than a whole period's permits can never be granted: such a batch takes the whole period
        if (limiter.acquirePermission(Math.min(Math.max(permits, 1), perMinute))) {
            return Optional.empty();
        }
        telemetry.rateLimitHit(LimitScope.REQUESTS);
        long nanos = ((AtomicRateLimiter) limiter).getDetailedMetrics().getNanosToWait();
        return Optional.of(clock.instant().plusNanos(Math.max(nanos, 0)));
    }

    int tracked() {
        synchronized (limiters) {
            return limiters.size();
        }
    }

    private RateLimiter newLimiter(String key) {
        return new AtomicRateLimiter(key, config, Map.of(), nanoTime::getAsLong);
    }
}
