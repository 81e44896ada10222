package com.dytallix.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded dev chain is new on every start: a restart adopts it at once, so nothing of the previous run's chain is
 * followed, re-sent or replaced on the new one (before, after a key rotation, the retired key's recent grants looked
 * reorged and were re-sent from that unfunded key every 30 s for ever).
 */
class DevChainRestartTest {
    private static final Map<String, String> SETTINGS = Map.of("PORT", "0", "HOST", "127.0.0.1", "DEV_BLOCK_TIME_MS", "200",
            "STATUS_REFRESH_MS", "100", "ADMIN_TOKEN", LiveServer.ADMIN_TOKEN);
    private static final String NEW_KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

    @TempDir
    Path dir;

    @Test
    void aRestartAfterAKeyRotationLeavesThePreviousRunsGrantsAloneAndPaysFromTheNewKey() throws Exception {
        List<String> paid = new ArrayList<>();
        try (LiveServer server = LiveServer.start(SETTINGS, dir)) {
            for (int i = 0; i < 3; i++) {
                paid.add(confirmed(server, "0x00000000000000000000000000000000000b%04x".formatted(i)));
            }
            Response rotated = server.http.post("/api/admin/rotate-key", "{\"newKey\": \"" + NEW_KEY + "\"}",
                    "Authorization", "Bearer " + LiveServer.ADMIN_TOKEN);
            assertThat(rotated.status()).as("%s", rotated.body()).isEqualTo(200);
        }

        try (LiveServer server = LiveServer.start(SETTINGS, dir)) {
            // the new chain grows past the blocks the previous run's grants were in: none of them is taken for a reorg
            long highest = 0;
            for (String id : paid) {
                highest = Math.max(highest, server.http.grant(id).json().get("blockNumber").asLong());
            }
            long past = highest + 5;
            // "height" is absent until the status has read the node once after the start
            Poll.eventually(Duration.ofSeconds(60), () -> server.http.get("/api/status").json().path("height").asLong(-1), h -> h > past);
            Thread.sleep(2000); // tracker passes over those heights
            for (String id : paid) {
                assertThat(server.http.grant(id).field("status")).as(id).isEqualTo("confirmed");
            }
            JsonNode status = server.http.get("/api/status").json();
            assertThat(status.get("mempoolBacklog").asLong()).isZero();
            assertThat(status.get("paused").asBoolean()).isFalse();
            // the retired key had nothing left on the new chain: it is let go
            JsonNode state = Poll.eventually(Duration.ofSeconds(20), () -> server.http.send(java.net.http.HttpRequest.newBuilder(
                    server.http.uri("/api/admin/state")).header("Authorization", "Bearer " + LiveServer.ADMIN_TOKEN).GET()).json(), s -> s.path("retiringKeys").isEmpty());
            assertThat(state.get("retiringKeys")).isEmpty();
            // the new chain funds the new key only: it pays
            confirmed(server, "0x00000000000000000000000000000000000c0002");
        }
    }

    private static String confirmed(LiveServer server, String address) {
        Response granted = server.http.post("/api/faucet?wait=confirmed", "{\"address\": \"" + address + "\"}");
        assertThat(granted.status()).as("%s", granted.body()).isEqualTo(200);
        assertThat(granted.json().get("status").asText()).isEqualTo("confirmed");
        return granted.field("grantId");
    }
}
