package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.grant.LimitScope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestRateLimiterTest {

    @Test
    void theLimitIsPerClientPerMinuteWithTheResetTime() {
        TestPorts.MutableClock clock = new TestPorts.MutableClock(Instant.parse("2026-01-31T12:00:00Z"));
        TestPorts.Counters counters = new TestPorts.Counters();
        RequestRateLimiter limiter = new RequestRateLimiter(3, 64, 100, clock, clock::nanos, counters);
        ClientIp a = ClientIp.parse("198.51.100.1");

        for (int i = 0; i < 3; i++) {
            assertThat(limiter.acquire(a)).isEmpty();
        }
        clock.advance(Duration.ofSeconds(20));
        var refused = limiter.acquire(a);
        assertThat(refused).isPresent();
        assertThat(refused.get()).isAfter(clock.instant()).isBeforeOrEqualTo(clock.instant().plusSeconds(60));
        assertThat(limiter.acquire(ClientIp.parse("198.51.100.2"))).isEmpty();
        assertThat(counters.rateLimitHits).containsEntry(LimitScope.REQUESTS, 1);

        clock.advance(Duration.ofMinutes(1));
        assertThat(limiter.acquire(a)).isEmpty();
    }

    @Test
    void anIpv6ClientIsCountedByItsSlash64() {
        TestPorts.MutableClock clock = new TestPorts.MutableClock(Instant.parse("2026-01-31T12:00:00Z"));
        RequestRateLimiter limiter = new RequestRateLimiter(2, 64, 100, clock, clock::nanos, new TestPorts.Counters());
        assertThat(limiter.acquire(ClientIp.parse("2001:db8:1:2::1"))).isEmpty();
        assertThat(limiter.acquire(ClientIp.parse("2001:db8:1:2:ffff::9"))).isEmpty();
        assertThat(limiter.acquire(ClientIp.parse("2001:db8:1:2:abcd::3"))).isPresent();
        assertThat(limiter.acquire(ClientIp.parse("2001:db8:1:3::1"))).isEmpty();
        assertThat(limiter.acquire(ClientIp.parse("::ffff:198.51.100.7"))).isEmpty();
        assertThat(limiter.acquire(ClientIp.parse("198.51.100.7"))).isEmpty();
        assertThat(limiter.acquire(ClientIp.parse("198.51.100.7"))).as("the mapped address is the same client").isPresent();
    }

    @Test
    void theIpv6PrefixIsTheOperatorsChoice() {
        TestPorts.MutableClock clock = new TestPorts.MutableClock(Instant.parse("2026-01-31T12:00:00Z"));
        RequestRateLimiter limiter = new RequestRateLimiter(1, 48, 100, clock, clock::nanos, new TestPorts.Counters());
        assertThat(limiter.acquire(ClientIp.parse("2001:db8:1:2::1"))).isEmpty();
        assertThat(limiter.acquire(ClientIp.parse("2001:db8:1:ffff::1"))).isPresent();
        assertThat(limiter.acquire(ClientIp.parse("2001:db8:2::1"))).isEmpty();
    }

    @Test
    void aMillionClientsKeepMemoryBounded() {
        TestPorts.MutableClock clock = new TestPorts.MutableClock(Instant.parse("2026-01-31T12:00:00Z"));
        int cap = RequestRateLimiter.DEFAULT_MAX_TRACKED;
        RequestRateLimiter limiter = new RequestRateLimiter(100, 64, cap, clock, clock::nanos, new TestPorts.Counters());
        for (int i = 0; i < cap; i++) {
            limiter.acquire(ip(i));
        }
        long filled = usedHeap();
        for (int i = cap; i < 1_000_000; i++) {
            assertThat(limiter.acquire(ip(i))).isEmpty();
        }
        long after = usedHeap();

        assertThat(limiter.tracked()).isEqualTo(cap);
        // a million limiters would take hundreds of megabytes; the bounded map stays where the cap put it
        assertThat(after - filled).isLessThan(32L * 1024 * 1024);
    }

    private static ClientIp ip(int i) {
        return ClientIp.parse((10 + (i >>> 24)) + "." + (i >>> 16 & 0xff) + "." + (i >>> 8 & 0xff) + "." + (i & 0xff));
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void overHttpOnlyApiPathsAreLimitedAnd429CarriesRetryAfter() {
        try (TestApi api = TestApi.start(o -> o.requestsPerMinute = 3)) {
            for (int i = 0; i < 3; i++) {
                assertThat(api.get("/api/status").status()).isEqualTo(200);
            }
            var refused = api.get("/api/status", "Origin", "http://localhost:5173");
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.json().get("code").asText()).isEqualTo("RATE_LIMIT");
            assertThat(refused.json().get("details").get("scope").asText()).isEqualTo("requests");
            assertThat(Instant.parse(refused.json().get("details").get("resetAt").asText())).isAfter(Instant.now().minusSeconds(1));
            assertThat(Long.parseLong(refused.header("Retry-After").orElseThrow())).isBetween(1L, 60L);
            assertThat(refused.header("X-Request-Id")).isPresent();
            assertThat(refused.header("Access-Control-Allow-Origin")).contains("http://localhost:5173");
            assertThat(api.get("/api/admin/state").status()).isEqualTo(429);
            assertThat(api.raw("GET /x/../api/status HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")).doesNotContain(" 200 ");

            for (int i = 0; i < 10; i++) {
                assertThat(api.get("/healthz").status()).isEqualTo(200);
                assertThat(api.get("/readyz").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void clientsBehindATrustedProxyAreLimitedSeparately() {
        try (TestApi api = TestApi.start(o -> {
            o.requestsPerMinute = 2;
            o.trustedProxies = List.of(IpRange.parse("127.0.0.1"));
        })) {
            for (String client : new String[] {"198.51.100.1", "198.51.100.2"}) {
                assertThat(api.get("/api/status", "X-Forwarded-For", client).status()).isEqualTo(200);
                assertThat(api.get("/api/status", "X-Forwarded-For", client).status()).isEqualTo(200);
                assertThat(api.get("/api/status", "X-Forwarded-For", client).status()).isEqualTo(429);
            }
        }
    }
}
