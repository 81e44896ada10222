package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.faucet.AuditEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin door, attacked: header forms, tokens, allow-list, forwarded headers, brute force. */
class AdminAuthTest {
    private TestApi api;

    @AfterEach
    void stop() {
        ErrorMapper.clock = Clock.systemUTC();
        if (api != null) {
            api.close();
        }
    }

    @Test
    void missingOrMalformedBearerIs401AndAudited() {
        api = TestApi.start();
        String[] malformed = {"bearer " + TestApi.TOKEN, "BEARER " + TestApi.TOKEN, "Bearer  " + TestApi.TOKEN,
            "Bearer\t" + TestApi.TOKEN, "Basic " + TestApi.TOKEN, "Bearer", "Bearer " + TestApi.TOKEN + " x", TestApi.TOKEN};
        for (String header : malformed) {
            var reply = api.send("GET", "/api/admin/state", null, "Authorization", header);
            assertThat(reply.status()).as(header).isEqualTo(401);
            assertThat(reply.json().get("code").asText()).isEqualTo("UNAUTHORIZED");
            assertThat(reply.header("WWW-Authenticate")).contains("Bearer");
        }
        assertThat(api.get("/api/admin/state").status()).isEqualTo(401);
        var twoHeaders = api.send("GET", "/api/admin/state", null,
                "Authorization", "Bearer " + TestApi.TOKEN, "Authorization", "Bearer " + TestApi.TOKEN);
        assertThat(twoHeaders.status()).isEqualTo(401);
        assertThat(api.audit("state")).extracting(AuditEntry::outcome).containsOnly("unauthorized");
    }

    @Test
    void tokenInTheQueryStringIsIgnored() {
        api = TestApi.start();
        var reply = api.get("/api/admin/state?token=" + TestApi.TOKEN + "&access_token=" + TestApi.TOKEN);
        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.body()).doesNotContain(TestApi.TOKEN);
    }

    @Test
    void wrongTokenAndRefusedIpGetTheSame403() {
        api = TestApi.start();
        var wrongToken = api.send("POST", "/api/admin/pause", null, "Authorization", "Bearer " + TestApi.TOKEN + "x");
        api.close();
        api = TestApi.start(o -> o.adminAllowed = List.of(IpRange.parse("10.0.0.0/8")));
        var wrongIp = api.send("POST", "/api/admin/pause", null, "Authorization", "Bearer " + TestApi.TOKEN);

        assertThat(wrongToken.status()).isEqualTo(403);
        assertThat(wrongIp.status()).isEqualTo(403);
        assertThat(wrongIp.json().get("code").asText()).isEqualTo("FORBIDDEN");
        assertThat(wrongIp.json().get("message")).isEqualTo(wrongToken.json().get("message"));
        assertThat(wrongToken.body() + wrongIp.body()).doesNotContain(TestApi.TOKEN);
        assertThat(api.controls.pauseState().paused()).isFalse();
        assertThat(api.audit("pause")).extracting(AuditEntry::outcome).containsExactly("forbidden");
    }

    @Test
    void spoofedForwardedForFromAnUntrustedPeerIsIgnored() {
        api = TestApi.start(o -> o.adminAllowed = List.of(IpRange.parse("10.0.0.5")));
        var reply = api.send("GET", "/api/admin/state", null, "Authorization", "Bearer " + TestApi.TOKEN,
                "X-Forwarded-For", "10.0.0.5");
        assertThat(reply.status()).isEqualTo(403);
        assertThat(api.audit("state").getFirst().ip()).isEqualTo(ClientIp.parse("127.0.0.1"));
    }

    @Test
    void behindTrustedProxiesTheRightmostUntrustedHopIsTheClient() {
        api = TestApi.start(o -> {
            o.trustedProxies = List.of(IpRange.parse("127.0.0.1"), IpRange.parse("10.0.0.0/8"));
            o.adminAllowed = List.of(IpRange.parse("203.0.113.9"), IpRange.parse("2001:db8::/32"));
        });
        var chain = api.send("GET", "/api/admin/state", null, "Authorization", "Bearer " + TestApi.TOKEN,
                "X-Forwarded-For", "198.51.100.1, 203.0.113.9, 10.1.1.1");
        assertThat(chain.status()).isEqualTo(200);

        // a client cannot put an allowed address on the left of the chain
        var spoofLeft = api.send("GET", "/api/admin/state", null, "Authorization", "Bearer " + TestApi.TOKEN,
                "X-Forwarded-For", "203.0.113.9, 198.51.100.1");
        assertThat(spoofLeft.status()).isEqualTo(403);

        // garbage a client sends ahead of the proxy's own entry changes nothing
        var garbage = api.send("GET", "/api/admin/state", null, "Authorization", "Bearer " + TestApi.TOKEN,
                "X-Forwarded-For", "not-an-ip, ::zz, 203.0.113.9");
        assertThat(garbage.status()).isEqualTo(200);

        var ipv6 = api.send("GET", "/api/admin/state", null, "Authorization", "Bearer " + TestApi.TOKEN,
                "X-Forwarded-For", "[2001:DB8::1]:4711");
        assertThat(ipv6.status()).isEqualTo(200);

        var mapped = api.send("GET", "/api/admin/state", null, "Authorization", "Bearer " + TestApi.TOKEN,
                "X-Forwarded-For", "::ffff:203.0.113.9");
        assertThat(mapped.status()).isEqualTo(200);

        assertThat(api.audit("state")).extracting(e -> e.ip().value())
                .containsExactly("203.0.113.9", "198.51.100.1", "203.0.113.9", "2001:db8::1", "203.0.113.9");
    }

    @Test
    void bruteForceLocksTheIpOutEvenForTheRightToken() {
        api = TestApi.start();
        ErrorMapper.clock = api.clock;
        for (int i = 0; i < AdminAuth.MAX_FAILURES; i++) {
            assertThat(api.send("GET", "/api/admin/state", null, "Authorization", "Bearer guess-" + i).status()).isEqualTo(403);
        }
        var locked = api.admin("GET", "/api/admin/state", null);

        assertThat(locked.status()).isEqualTo(429);
        assertThat(locked.json().get("code").asText()).isEqualTo("RATE_LIMIT");
        assertThat(locked.json().get("details").get("scope").asText()).isEqualTo("requests");
        assertThat(locked.header("Retry-After")).contains(Long.toString(AdminAuth.LOCKOUT.toSeconds()));
        assertThat(api.audit("state")).extracting(AuditEntry::outcome).endsWith("locked_out");
        assertThat(api.telemetry.rateLimitHits).isNotEmpty();

        api.clock.advance(AdminAuth.LOCKOUT.plusSeconds(1));
        assertThat(api.admin("GET", "/api/admin/state", null).status()).isEqualTo(200);
    }

    @Test
    void failuresOutsideTheWindowDoNotAddUp() {
        api = TestApi.start();
        for (int i = 0; i < AdminAuth.MAX_FAILURES * 2; i++) {
            assertThat(api.send("GET", "/api/admin/state", null, "Authorization", "Bearer guess").status()).isEqualTo(403);
            api.clock.advance(AdminAuth.FAILURE_WINDOW.dividedBy(AdminAuth.MAX_FAILURES - 1).plusSeconds(1));
        }
        assertThat(api.admin("GET", "/api/admin/state", null).status()).isEqualTo(200);
    }

    @Test
    void failuresFromManyIpsStayBounded() {
        api = TestApi.start();
        AdminAuth auth = new AdminAuth(TestApi.TOKEN, List.of(IpRange.parse("127.0.0.1")), api.dependencies().admin(),
                api.telemetry, api.clock);
        for (int i = 0; i < AdminAuth.MAX_TRACKED + 5_000; i++) {
            ClientIp ip = ClientIp.parse("10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff));
            assertThatThrownBy(() -> auth.authorize(ip, List.of("Bearer nope"), "state")).isInstanceOf(ApiException.class);
        }
        assertThat(auth.tracked()).isLessThanOrEqualTo(AdminAuth.MAX_TRACKED);
        api.clock.advance(Duration.ofSeconds(1));
        auth.authorize(ClientIp.parse("127.0.0.1"), List.of("Bearer " + TestApi.TOKEN), "state");
    }
}
