package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bodies, headers and queries an abuser sends: each is a 400 in the envelope and changes nothing. */
class HostileInputTest {
    @RegisterExtension
    static final TestApi api = TestApi.start(o -> o.sizeLimit = 65_536);

    private static void assertInvalid(TestApi.Reply reply, String what) {
        assertThat(reply.status()).as(what + ": " + reply.body()).isEqualTo(400);
        assertThat(reply.json().get("code").asText()).as(what).isEqualTo("INVALID_REQUEST");
        assertThat(reply.body()).as(what).doesNotContain("Exception", "\tat ", "jackson", "BigDecimal");
    }

    @Test
    void aHugeExponentAnywhereInAJsonBodyIsA400() {
        String[] numbers = {"1e9999999999", "1E+2147483648", "-1e-9999999999", "1e2147483647", "9" .repeat(5000)};
        for (String n : numbers) {
            assertInvalidOrRpc(api.postJson("/api/rpc", "{\"method\":\"eth_blockNumber\",\"params\":[],\"x\":" + n + "}"), n);
            assertInvalidOrRpc(api.postJson("/api/rpc", "{\"jsonrpc\":\"2.0\",\"id\":" + n + ",\"method\":\"eth_blockNumber\"}"), n);
            assertInvalid(api.postJson("/api/faucet", "{\"address\":\"0x1111111111111111111111111111111111111111\",\"x\":" + n + "}"), n);
            assertInvalid(api.admin("POST", "/api/admin/topup", "{\"amount\":" + n + "}"), "topup " + n);
            assertInvalid(api.admin("POST", "/api/admin/topup", "{\"amount\":\"" + n + "\"}"), "topup text " + n);
            assertInvalid(api.admin("POST", "/api/admin/pause", "{\"reason\":\"r\",\"x\":" + n + "}"), "pause " + n);
            api.admin("POST", "/api/admin/resume", null);
        }
        assertThat(api.grants()).isEmpty();
        assertThat(api.controls.pauseState().paused()).isFalse();
    }

    /** The relay answers a JSON-RPC request in JSON-RPC terms (-32600/-32700) or the envelope's 400; never a 5xx. */
    private static void assertInvalidOrRpc(TestApi.Reply reply, String what) {
        assertThat(reply.status()).as(what + ": " + reply.body()).isLessThan(500);
        assertThat(reply.body()).as(what).doesNotContain("Exception", "\tat ", "jackson");
        if (reply.status() == 400 && reply.json().has("code") && reply.json().get("code").isTextual()) {
            assertThat(reply.json().get("code").asText()).isIn("INVALID_REQUEST", "RPC_ERROR");
        }
    }

    @Test
    void aSecondIdempotencyKeyHeaderIsRefused() {
        var reply = api.send("POST", "/api/faucet", "{\"address\":\"0x2222222222222222222222222222222222222222\"}",
                "Content-Type", "application/json", "Idempotency-Key", "first", "Idempotency-Key", "second");
        assertInvalid(reply, "two Idempotency-Key headers");
        assertThat(reply.json().get("details").get("field").asText()).isEqualTo("Idempotency-Key");
        assertThat(api.grants()).isEmpty();
    }

    @Test
    void aSinceInTheFutureIsRefusedNotAnsweredWithEverything() {
        api.grant("a", "10.0.0.1", api.clock.instant().minusSeconds(60));
        var reply = api.admin("GET", "/api/admin/grants?since=" + api.clock.instant().plusSeconds(3600), null);
        assertInvalid(reply, "since in the future");
        assertThat(reply.json().get("details").get("field").asText()).isEqualTo("since");
        var now = api.admin("GET", "/api/admin/grants?since=" + api.clock.instant().minusSeconds(3600), null);
        assertThat(now.status()).isEqualTo(200);
        assertThat(now.json().get("count").asInt()).isEqualTo(1);
    }
}
