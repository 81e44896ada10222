package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.Resources;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node goes away: /api/status keeps answering at once from the last snapshot,
 * readiness and the relay say why; when a node comes back on the same address the server recovers
 * by itself, without a restart.
 */
class StatusWithNodeDownTest {
    @TempDir
    Path dir;
    private AnvilProcess anvil;
    private Chain.AnvilOnPort reborn;
    private LiveServer server;

    @AfterEach
    void stop() throws Exception {
        Resources.closeAll(server, reborn, anvil);
    }

    @Test
    void statusStaysFastWhileTheNodeIsDownAndEverythingRecoversWhenItReturns() throws Exception {
        anvil = AnvilProcess.withBlockTime(1);
        int nodePort = anvil.rpcUrl().getPort();
        Map<String, String> settings = LiveServer.settingsFor(anvil);
        settings.put("NODE_TIMEOUT_MS", "1000");
        server = LiveServer.start(settings, dir);
        JsonNode healthy = Poll.eventually(Duration.ofSeconds(30), this::status, s -> s.get("height").asLong() >= 2);
        assertThat(healthy.get("nodeStatus").asText()).isEqualTo("ok");
        assertThat(server.http.get("/readyz").status()).isEqualTo(200);

        anvil.close();
        JsonNode down = Poll.eventually(Duration.ofSeconds(30), this::status, s -> s.get("nodeStatus").asText().equals("unreachable"));
        assertThat(down.get("nodeStatus").asText()).isEqualTo("unreachable");
        assertThat(down.get("api").asText()).isEqualTo("degraded");
        // the last known values stay, with their age
        long lastHeight = down.get("height").asLong();
        assertThat(lastHeight).isGreaterThanOrEqualTo(healthy.get("height").asLong());
        assertThat(down.get("chainId").asLong()).isEqualTo(AnvilProcess.CHAIN_ID);
        assertThat(down.get("faucetBalance").isNull()).isFalse();
        double age = down.get("dataAgeSeconds").asDouble();
        Thread.sleep(1500);
        JsonNode stillDown = status();
        assertThat(stillDown.get("height").asLong()).isEqualTo(lastHeight);
        assertThat(stillDown.get("dataAgeSeconds").asDouble()).isGreaterThan(age + 1);
        assertThat(stillDown.get("headAgeSeconds").asDouble()).isGreaterThan(down.get("headAgeSeconds").asDouble());

        // served from the snapshot, never waiting on the dead node: the slowest of 50 sequential requests
        // stays under NODE_TIMEOUT_MS (1000 here). The speed itself is bench/status-dead-node.sh's
        // to measure; a wall-clock bound tighter than this only measured how busy the test machine was
        // (500 ms was: one pause of a loaded machine in 50 requests).
        for (int i = 0; i < 5; i++) {
            status();
        }
        long[] millis = new long[50];
        for (int i = 0; i < millis.length; i++) {
            long start = System.nanoTime();
            Response r = server.http.get("/api/status");
            millis[i] = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).isEqualTo(200);
        }
        Arrays.sort(millis);
        assertThat(millis[(int) Math.ceil(0.99 * millis.length) - 1]).as("slowest /api/status in ms, all: %s", Arrays.toString(millis))
                .isLessThan(1000);

        Response ready = Poll.eventually(Duration.ofSeconds(30), () -> server.http.get("/readyz"),
                r -> r.status() == 503 && r.json().get("failing").toString().contains("\"node\""));
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.json().get("failing")).extracting(JsonNode::toString).asString().contains("\"node\"");
        assertThat(ready.json().get("checks").get("node").asText()).isNotEqualTo("ok");

        Response relayed = server.http.post("/api/rpc", "{\"method\":\"eth_blockNumber\",\"params\":[]}");
        assertThat(relayed.status()).isEqualTo(502);
        assertThat(relayed.json().get("code").asText()).isEqualTo("NODE_UNAVAILABLE");
        assertThat(relayed.json().get("requestId").asText()).isEqualTo(relayed.headers().firstValue("X-Request-Id").orElseThrow());

        // a new node on the same address: no restart of the server
        reborn = Chain.anvilOnPort(nodePort);
        JsonNode back = Poll.eventually(Duration.ofSeconds(30), this::status, s -> s.get("nodeStatus").asText().equals("ok"));
        assertThat(back.get("nodeStatus").asText()).isEqualTo("ok");
        assertThat(back.get("api").asText()).isEqualTo("ok");
        assertThat(back.get("dataAgeSeconds").asDouble()).isLessThan(1.5);
        Response readyAgain = Poll.eventually(Duration.ofSeconds(30), () -> server.http.get("/readyz"), r -> r.status() == 200);
        assertThat(readyAgain.status()).as("readyz: %s", readyAgain.body()).isEqualTo(200);
        Response relayedAgain = server.http.post("/api/rpc", "{\"method\":\"eth_chainId\",\"params\":[]}");
        assertThat(relayedAgain.status()).isEqualTo(200);
        assertThat(relayedAgain.json().get("result").asText()).isEqualTo("0x7a69");
    }

    private JsonNode status() {
        Response r = server.http.get("/api/status");
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }
}
