package com.dytallix.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.config.Settings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The zero-configuration start: embedded dev chain, real SQLite file, real HTTP. */
class DevChainEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    private Server server;
    private String base;

    @BeforeEach
    void start() {
        server = Server.start(settings(), new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Settings settings() {
        return Settings.from(Map.of("PORT", "0", "HOST", "127.0.0.1", "DEV_BLOCK_TIME_MS", "200", "STATUS_REFRESH_MS", "100"))
                .resolvedAgainst(dir);
    }

    @Test
    void statusShowsTheChainAdvancing() throws Exception {
        JsonNode first = get("/api/status").body;
        Thread.sleep(700);
        JsonNode second = get("/api/status").body;
        assertThat(second.get("height").asLong()).isGreaterThan(first.get("height").asLong());
        assertThat(second.get("nodeStatus").asText()).isEqualTo("ok");
        assertThat(second.get("faucetBalance").asText()).isEqualTo("1000000");
        assertThat(second.get("chainId").asLong()).isEqualTo(1337);
    }

    @Test
    void theFaucetPaysAndTheGrantIsConfirmed() throws Exception {
        String address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        Response granted = post("/api/faucet?wait=confirmed", "{\"address\": \"" + address + "\"}");
        assertThat(granted.status).isEqualTo(200);
        assertThat(granted.body.get("status").asText()).isEqualTo("confirmed");
        assertThat(granted.body.get("txHash").asText()).startsWith("0x").hasSize(66);
        JsonNode grant = get("/api/faucet/grants/" + granted.body.get("grantId").asText()).body;
        assertThat(grant.get("blockNumber").asLong()).isPositive();
        assertThat(grant.get("confirmations").asLong()).isPositive();
        JsonNode balance = get("/api/balance?address=" + address).body;
        assertThat(balance.get("balance").asText()).isEqualTo("10");
        // the same address again within the day is refused, with the reset time
        Response again = post("/api/faucet", "{\"address\": \"" + address.toLowerCase() + "\"}");
        assertThat(again.status).isEqualTo(429);
        assertThat(again.body.get("details").get("scope").asText()).isEqualTo("address");
        assertThat(again.headers.firstValue("Retry-After")).isPresent();
    }

    @Test
    void theEdgeAnswersInTheEnvelope() throws Exception {
        Response unknown = get("/api/nothing-here");
        assertThat(unknown.status).isEqualTo(404);
        assertThat(unknown.body.get("code").asText()).isEqualTo("NOT_FOUND");
        assertThat(unknown.body.get("requestId").asText()).isEqualTo(unknown.headers.firstValue("X-Request-Id").orElseThrow());
        Response wrongMethod = send(HttpRequest.newBuilder(URI.create(base + "/api/status")).DELETE().build());
        assertThat(wrongMethod.status).isEqualTo(405);
        assertThat(wrongMethod.headers.firstValue("Allow").orElseThrow()).contains("GET");
        Response badAddress = post("/api/faucet", "{\"address\": \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"}");
        assertThat(badAddress.status).isEqualTo(400);
        assertThat(badAddress.body.get("code").asText()).isEqualTo("INVALID_ADDRESS");
        Response malformed = post("/api/faucet", "{\"address\": ");
        assertThat(malformed.status).isEqualTo(400);
        assertThat(malformed.body.get("code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(get("/readyz").status).isEqualTo(200);
        assertThat(get("/healthz").status).isEqualTo(200);
        // a chunked body (no Content-Length) over REQUEST_SIZE_LIMIT is refused as too large, not as unreadable
        byte[] big = new byte[1_500_000];
        java.util.Arrays.fill(big, (byte) ' ');
        Response chunked = send(HttpRequest.newBuilder(URI.create(base + "/api/faucet")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build());
        assertThat(chunked.status).isEqualTo(413);
        assertThat(chunked.body.get("code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
    }

    @Test
    void aStoppedServerReleasesTheDatabaseForTheNextOne() throws Exception {
        post("/api/faucet?wait=confirmed", "{\"address\": \"0x000000000000000000000000000000000000bEEF\"}");
        server.close();
        server = Server.start(settings(), new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
        base = "http://127.0.0.1:" + server.port();
        // the same key and admin token survive; the dev chain starts over
        assertThat(get("/api/status").status).isEqualTo(200);
        assertThat(get("/readyz").status).isEqualTo(200);
    }

    record Response(int status, JsonNode body, java.net.http.HttpHeaders headers) {
    }

    private Response get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build());
    }

    private Response post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private Response send(HttpRequest request) throws Exception {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()), r.headers());
    }
}
