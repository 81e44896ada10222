package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.LiveServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes of one chain where one lags: an anvil forked from the other at its head a moment ago,
 * not mining, so it agrees with the chain up to there and has none of the blocks after. It stays in
 * the set (the lag allowed is wide) and serves relay reads. The faucet's payments land in blocks it
 * does not have: the tracker must neither take them for dropped nor see a reorg.
 */
class LaggingNodeTest {
    @TempDir
    Path dir;

    @Test
    void aNodeAFewBlocksBehindMakesNoPaidGrantLookDroppedOrReorganisedAway() throws Exception {
        try (AnvilProcess chain = AnvilProcess.withBlockTime(1)) {
            long forkAt = awaitHeight(chain, 2);
            try (AnvilProcess behind = AnvilProcess.start(List.of("--fork-url", chain.rpcUrl().toString(),
                    "--fork-block-number", Long.toString(forkAt), "--no-mining"))) {
                Map<String, String> settings = LiveServer.unlimitedSettingsFor(chain, Map.of(
                        "RPC_URL", chain.rpcUrl() + "," + behind.rpcUrl(),
                        "UPSTREAM_MAX_LAG_BLOCKS", "1000",
                        "FAUCET_CONFIRMATIONS", "2",
                        "RPC_RATE_LIMIT_PER_MINUTE", "10000000"));
                try (LiveServer server = LiveServer.start(settings, dir)) {
                    JsonNode lagging = server.http.get("/api/status").json().get("upstreams").get(1);
                    assertThat(lagging.get("status").asText()).isEqualTo("ok");

                    List<String> grants = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        ApiClient.Response drip = server.http.drip("0x" + String.format("%040x", 0xfade00 + i));
                        assertThat(drip.status()).as(drip.body()).isIn(200, 202);
                        grants.add(drip.field("grantId"));
                    }
                    for (String grant : grants) {
                        JsonNode done = server.http.awaitGrant(grant, ApiClient::isFinal, Duration.ofSeconds(60));
                        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("confirmed");
                    }
                    // the node behind is in the rotation: relay reads reach it (reads are spread by speed, and a
                    // forked node answering slowly on a loaded machine gets few of them, so read until one does)
                    Pattern servedByBehind = Pattern.compile("dytallix_upstream_requests_total\\{outcome=\"ok\",upstream=\"http://127.0.0.1:"
                            + behind.rpcUrl().getPort() + "\"} [1-9]");
                    long readsUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    do {
                        for (int i = 0; i < 20; i++) {
                            assertThat(server.http.post("/api/rpc", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\""
                                    + AnvilProcess.ACCOUNT_0_ADDRESS + "\",\"latest\"]}").status()).isEqualTo(200);
                        }
                    } while (!servedByBehind.matcher(server.http.get("/metrics").body()).find() && System.nanoTime() < readsUntil);
                    assertThat(server.http.get("/api/status").json().get("upstreams").get(1).get("status").asText()).isEqualTo("ok");
                    assertThat(server.http.get("/metrics").body()).containsPattern(servedByBehind);

                    // several more tracker passes while the watched blocks stay out of the lagging node's reach
                    Thread.sleep(5000);
                    for (String grant : grants) {
                        JsonNode g = server.http.get("/api/faucet/grants/" + grant).json();
                        assertThat(g.get("status").asText()).as(g.toString()).isEqualTo("confirmed");
                        assertThat(g.get("blockNumber").asLong()).isGreaterThan(forkAt);
                    }
                    assertThat(server.http.get("/metrics").body()).contains("dytallix_reorgs_total 0.0");
                    String nonce = chain.rpc("eth_getTransactionCount", "[\"" + AnvilProcess.ACCOUNT_0_ADDRESS + "\",\"latest\"]");
                    assertThat(Long.decode(ApiClient.parse(nonce).get("result").asText())).isEqualTo(3);
                }
            }
        }
    }

    private static long awaitHeight(AnvilProcess chain, long height) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            long head = Long.decode(ApiClient.parse(chain.rpc("eth_blockNumber", "[]")).get("result").asText());
            if (head >= height) {
                return head;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("anvil did not reach block " + height);
    }
}
