package com.dytallix.adapters.http;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.telemetry.Telemetry;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A per-client request limit, a window of a minute each, no waiting: installed as a filter,
 * RATE_LIMIT_REQUESTS_PER_MINUTE for every {@code /api/*} request but the relay's; called by the
 * relay, RPC_RATE_LIMIT_PER_MINUTE for {@code /api/rpc}, where a batch takes a permit per item. A
 * client's window opens with its first request and holds the minute's permits; a request that does
 * not fit is refused until the window ends (Retry-After). An IPv6 client is counted by its prefix
 * (IPV6_CLIENT_PREFIX, /64 by default: the block one subscriber is normally given), so rotating
 * addresses inside it gains nothing; the faucet's per-IP rules count the same client.
 *
 * <p>The windows live in flat arrays allocated once, set-associative: a client's hash picks a set of
 * {@link #WAYS} slots, and a new client takes the slot of that set idle longest (a client idle for
 * a whole minute is back to its full budget anyway). One resilience4j limiter per client cost about
 * 450 bytes in 14 objects; under a flood of new client IPs each lived seconds, long enough to reach
 * the old generation and die there, which grew the heap to its maximum (see docs/performance.md).
 * Here a new client allocates nothing.
 */
final class RequestRateLimiter implements Filter {
    public static final int DEFAULT_MAX_TRACKED = 20_000;
    /** Slots per set: a new client evicts the longest idle of these. */
    static final int WAYS = 8;
    private static final int STRIPES = 64;
    private static final long PERIOD_NANOS = Duration.ofMinutes(1).toNanos();
    /** The relay counts its own requests (RPC_RATE_LIMIT_PER_MINUTE). */
    private static final String RELAY_PATH = "/api/rpc";

    private final int perMinute;
    private final int ipv6Prefix;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final Telemetry telemetry;
    private final int sets;
    /** The client of each slot: IPv4 as its IPv4-mapped IPv6 address, IPv6 cut to the prefix, in two halves. */
    private final long[] high;
    private final long[] low;
    private final long[] windowStart;
    private final long[] lastUsed;
    /** Permits taken in the slot's window; -1 marks a free slot. */
    private final int[] used;
    private final Object[] stripes = new Object[STRIPES];

    public RequestRateLimiter(int perMinute, int ipv6Prefix, Telemetry telemetry) {
        this(perMinute, ipv6Prefix, DEFAULT_MAX_TRACKED, Clock.systemUTC(), System::nanoTime, telemetry);
    }

    /** @param nanoTime the monotonic time windows are counted in (a test moves it with {@code clock}) */
    public RequestRateLimiter(int perMinute, int ipv6Prefix, int maxTracked, Clock clock, LongSupplier nanoTime,
                              Telemetry telemetry) {
        if (perMinute < 1 || maxTracked < 1) {
            throw new IllegalArgumentException("perMinute and maxTracked must be positive");
        }
        this.perMinute = perMinute;
        this.ipv6Prefix = ipv6Prefix;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.telemetry = telemetry;
        this.sets = (maxTracked + WAYS - 1) / WAYS;
        int slots = sets * WAYS;
        this.high = new long[slots];
        this.low = new long[slots];
        this.windowStart = new long[slots];
        this.lastUsed = new long[slots];
        this.used = new int[slots];
        Arrays.fill(used, -1);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (path.startsWith("/api") && (path.length() == 4 || path.charAt(4) == '/') && !path.equals(RELAY_PATH)) {
            Optional<Instant> refusedUntil = acquire(RequestInfo.current().clientIp(), 1);
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

    /** Takes {@code permits} at once (a batch counts its items): all or none. */
    Optional<Instant> acquire(ClientIp ip, int permits) {
        byte[] address = ip.bytes();
        long hi;
        long lo;
        if (address.length == 4) {
            hi = 0;
            lo = 0xFFFF_0000_0000L | (((address[0] & 0xFFL) << 24) | ((address[1] & 0xFFL) << 16)
                    | ((address[2] & 0xFFL) << 8) | (address[3] & 0xFFL));
        } else {
            hi = half(address, 0);
            lo = half(address, 8);
            if (ipv6Prefix < 64) {
                hi &= ipv6Prefix == 0 ? 0 : -1L << (64 - ipv6Prefix);
                lo = 0;
            } else if (ipv6Prefix < 128) {
                lo &= ipv6Prefix == 64 ? 0 : -1L << (128 - ipv6Prefix);
            }
        }
        // more than a whole period's permits can never be granted: such a batch takes the whole period
        int take = Math.min(Math.max(permits, 1), perMinute);
        long h = (hi * 0x9E3779B97F4A7C15L + lo) * 0xBF58476D1CE4E5B9L;
        int set = (int) (((h ^ h >>> 31) >>> 1) % sets);
        long waitNanos;
        synchronized (stripes[set & (STRIPES - 1)]) {
            long now = nanoTime.getAsLong();
            int slot = slotOf(set, hi, lo, now);
            if (now - windowStart[slot] >= PERIOD_NANOS) {
                windowStart[slot] = now;
                used[slot] = 0;
            }
            lastUsed[slot] = now;
            if (used[slot] + take <= perMinute) {
                used[slot] += take;
                return Optional.empty();
            }
            waitNanos = windowStart[slot] + PERIOD_NANOS - now;
        }
        telemetry.rateLimitHit(LimitScope.REQUESTS);
        return Optional.of(clock.instant().plusNanos(Math.max(waitNanos, 0)));
    }

    /** The slot of this client in its set; a new client's window starts empty in the free or longest idle slot. */
    private int slotOf(int set, long hi, long lo, long now) {
        int first = set * WAYS;
        int victim = -1;
        for (int slot = first; slot < first + WAYS; slot++) {
            if (used[slot] < 0) {
                if (victim < 0 || used[victim] >= 0) {
                    victim = slot;
                }
            } else if (high[slot] == hi && low[slot] == lo) {
                return slot;
            } else if (victim < 0 || used[victim] >= 0 && lastUsed[slot] - lastUsed[victim] < 0) {
                victim = slot;
            }
        }
        high[victim] = hi;
        low[victim] = lo;
        used[victim] = 0;
        windowStart[victim] = now;
        return victim;
    }

    private static long half(byte[] b, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = v << 8 | (b[i] & 0xFFL);
        }
        return v;
    }

    /** Clients with a window kept now (at most the capacity, {@code maxTracked} rounded up to whole sets). */
    int tracked() {
        int n = 0;
        for (int s = 0; s < sets; s++) {
            synchronized (stripes[s & (STRIPES - 1)]) {
                for (int slot = s * WAYS; slot < (s + 1) * WAYS; slot++) {
                    n += used[slot] >= 0 ? 1 : 0;
                }
            }
        }
        return n;
    }

    int capacity() {
        return sets * WAYS;
    }
}
