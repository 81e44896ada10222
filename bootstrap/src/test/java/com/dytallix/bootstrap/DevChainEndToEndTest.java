package com.dytallix.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The zero-configuration start: embedded dev chain, real SQLite file, real HTTP. */
class DevChainEndToEndTest {
    /** Nothing but what a local run needs: no RPC_URL, so the server runs its own dev chain. */
    private static final Map<String, String> SETTINGS = Map.of("PORT", "0", "HOST", "127.0.0.1", "DEV_BLOCK_TIME_MS", "200",
            "STATUS_REFRESH_MS", "100");

    @TempDir
    Path dir;
    private LiveServer server;

    @BeforeEach
    void start() {
        server = LiveServer.start(SETTINGS, dir);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void statusShowsTheChainAdvancing() throws Exception {
        JsonNode first = server.http.get("/api/status").json();
        // blocks every 200 ms: the height moves on soon (later on a loaded machine, so it is waited for)
        JsonNode second = Poll.eventually(Duration.ofSeconds(20), () -> server.http.get("/api/status").json(),
                s -> s.get("height").asLong() > first.get("height").asLong());
        assertThat(second.get("height").asLong()).isGreaterThan(first.get("height").asLong());
        assertThat(second.get("nodeStatus").asText()).isEqualTo("ok");
        assertThat(second.get("faucetBalance").asText()).isEqualTo("1000000");
        assertThat(second.get("chainId").asLong()).isEqualTo(1337);
    }

    @Test
    void theFaucetPaysAndTheGrantIsConfirmed() throws Exception {
        String address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        Response granted = server.http.post("/api/faucet?wait=confirmed", "{\"address\": \"" + address + "\"}");
        assertThat(granted.status()).isEqualTo(200);
        assertThat(granted.json().get("status").asText()).isEqualTo("confirmed");
        assertThat(granted.json().get("txHash").asText()).startsWith("0x").hasSize(66);
        JsonNode grant = server.http.get("/api/faucet/grants/" + granted.json().get("grantId").asText()).json();
        assertThat(grant.get("blockNumber").asLong()).isPositive();
        assertThat(grant.get("confirmations").asLong()).isPositive();
        JsonNode balance = server.http.get("/api/balance?address=" + address).json();
        assertThat(balance.get("balance").asText()).isEqualTo("10");
        // the same address again within the day is refused, with the reset time
        Response again = server.http.post("/api/faucet", "{\"address\": \"" + address.toLowerCase() + "\"}");
        assertThat(again.status()).isEqualTo(429);
        assertThat(again.json().get("details").get("scope").asText()).isEqualTo("address");
        assertThat(again.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void theEdgeAnswersInTheEnvelope() {
        Response unknown = server.http.get("/api/nothing-here");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("code").asText()).isEqualTo("NOT_FOUND");
        assertThat(unknown.json().get("requestId").asText()).isEqualTo(unknown.headers().firstValue("X-Request-Id").orElseThrow());
        Response wrongMethod = server.http.send(HttpRequest.newBuilder(server.http.uri("/api/status")).DELETE());
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow").orElseThrow()).contains("GET");
        Response badAddress = server.http.post("/api/faucet", "{\"address\": \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"}");
        assertThat(badAddress.status()).isEqualTo(400);
        assertThat(badAddress.json().get("code").asText()).isEqualTo("INVALID_ADDRESS");
        Response malformed = server.http.post("/api/faucet", "{\"address\": ");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(server.http.get("/readyz").status()).isEqualTo(200);
        assertThat(server.http.get("/healthz").status()).isEqualTo(200);
        // a chunked body (no Content-Length) is refused unread: send Content-Length
        byte[] big = new byte[1_500_000];
        Arrays.fill(big, (byte) ' ');
        Response chunked = server.http.send(HttpRequest.newBuilder(server.http.uri("/api/faucet")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));
        assertThat(chunked.status()).isEqualTo(411);
        assertThat(chunked.json().get("code").asText()).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void aStoppedServerReleasesTheDatabaseForTheNextOne() throws Exception {
        server.http.post("/api/faucet?wait=confirmed", "{\"address\": \"0x000000000000000000000000000000000000bEEF\"}");
        server.close();
        server = LiveServer.start(SETTINGS, dir);
        // the same key and admin token survive; the dev chain starts over
        assertThat(server.http.get("/api/status").status()).isEqualTo(200);
        assertThat(server.http.get("/readyz").status()).isEqualTo(200);
    }

    /**
     * The runbook's zero-downtime step tried on the dev chain: the second server cannot run beside the first
     * (the chain lives in the first one's process) and says so, instead of "stop every instance first".
     */
    @Test
    void aSecondDevServerOnTheSameDirectorySaysWhyItMustRunAlone() {
        assertThatThrownBy(() -> LiveServer.start(SETTINGS, dir).close())
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("the embedded dev chain lives in that server's process")
                .hasMessageContaining("set RPC_URL");
        assertThat(server.http.get("/readyz").status()).isEqualTo(200);
    }
}
