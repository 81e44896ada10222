package com.dytallix.adapters.http;

import com.dytallix.domain.TestClock;
import com.dytallix.domain.telemetry.RecordingTelemetry;
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
        TestClock clock = new TestClock(Instant.parse("2026-01-31T12:00:00Z"));
        RecordingTelemetry counters = new RecordingTelemetry();
        RequestRateLimiter limiter = new RequestRateLimiter(3, 64, 100, clock, clock::nanos, counters);
        ClientIp a = ClientIp.parse("198.51.100.1");

        for (int i = 0; i < 3; i++) {
            assertThat(limiter.acquire(a, 1)).isEmpty();
        }
        clock.advance(Duration.ofSeconds(20));
        var refused = limiter.acquire(a, 1);
        assertThat(refused).isPresent();
        assertThat(refused.get()).isAfter(clock.instant()).isBeforeOrEqualTo(clock.instant().plusSeconds(60));
        assertThat(limiter.acquire(ClientIp.parse("198.51.100.2"), 1)).isEmpty();
        assertThat(counters.rateLimitHits).containsEntry(LimitScope.REQUESTS, 1);

        clock.advance(Duration.ofMinutes(1));
        assertThat(limiter.acquire(a, 1)).isEmpty();
    }

    @Test
    void anIpv6ClientIsCountedByItsSlash64() {
        TestClock clock = new TestClock(Instant.parse("2026-01-31T12:00:00Z"));
        RequestRateLimiter limiter = new RequestRateLimiter(2, 64, 100, clock, clock::nanos, new RecordingTelemetry());
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
        TestClock clock = new TestClock(Instant.parse("2026-01-31T12:00:00Z"));
        RequestRateLimiter limiter = new RequestRateLimiter(1, 48, 100, clock, clock::nanos, new RecordingTelemetry());
        assertThat(limiter.acquire(ClientIp.parse("2001:db8:1:2::1"))).isEmpty();
        assertThat(limiter.acquire(ClientIp.parse("2001:db8:1:ffff::1"))).isPresent();
        assertThat(limiter.acquire(ClientIp.parse("2001:db8:2::1"))).isEmpty();
    }

    @Test
    void aMillionClientsKeepMemoryBounded() {
        TestClock clock = new TestClock(Instant.parse("2026-01-31T12:00:00Z"));
        int cap = RequestRateLimiter.DEFAULT_MAX_TRACKED;
        RequestRateLimiter limiter = new RequestRateLimiter(100, 64, cap, clock, clock::nanos, new RecordingTelemetry());
        for (int i = 0; i < cap; i++) {
            limiter.acquire(ip(i), 1);
        }
        long filled = usedHeap();
        for (int i = cap; i < 1_000_000; i++) {
            assertThat(limiter.acquire(ip(i), 1)).isEmpty();
        }
        long after = usedHeap();

        assertThat(limiter.tracked()).isEqualTo(limiter.capacity()).isBetween(cap, cap + RequestRateLimiter.WAYS - 1);
        // the windows are arrays allocated once: a million new clients add nothing that stays
        assertThat(after - filled).isLessThan(4L * 1024 * 1024);
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

    @Test
    void theRelayHasItsOwnLimitAndABatchCountsItsItems() {
        try (TestApi api = TestApi.start(o -> {
            o.requestsPerMinute = 2;
            o.rpcRequestsPerMinute = 7;
        })) {
            String item = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\"}";
            // the general /api/* limit of 2 does not apply to the relay
            assertThat(api.postJson("/api/rpc", item).status()).isEqualTo(200);
            assertThat(api.postJson("/api/rpc", "{\"method\":\"eth_blockNumber\"}").status()).isEqualTo(200);
            assertThat(api.postJson("/api/rpc", "[" + item + "," + item + "," + item + "," + item + "]").status()).isEqualTo(200);
            // 6 of 7 used: a batch of two does not fit, a single request does
            var refusedBatch = api.postJson("/api/rpc", "[" + item + "," + item + "]");
            assertThat(refusedBatch.status()).isEqualTo(429);
            assertThat(refusedBatch.header("Retry-After")).isPresent();
            assertThat(refusedBatch.json().get("error").get("code").asInt()).isEqualTo(-32005);
            assertThat(refusedBatch.json().get("error").get("data").get("code").asText()).isEqualTo("RATE_LIMIT");
            assertThat(api.postJson("/api/rpc", item).status()).isEqualTo(200);
            var refusedSimple = api.postJson("/api/rpc", "{\"method\":\"eth_blockNumber\"}");
            assertThat(refusedSimple.status()).isEqualTo(429);
            assertThat(refusedSimple.json().get("code").asText()).isEqualTo("RATE_LIMIT");
            assertThat(refusedSimple.json().get("details").get("scope").asText()).isEqualTo("requests");
            // and the relay's traffic left the general limit untouched
            assertThat(api.get("/api/status").status()).isEqualTo(200);
        }
    }
}
