package com.dytallix.bootstrap.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/** The server's public faucet API as a client sees it. */
final class FaucetClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    FaucetClient(String base) {
        this.base = base;
    }

    record Answer(int status, JsonNode body) {
        String text(String field) {
            JsonNode v = body.get(field);
            return v == null || v.isNull() ? null : v.asText();
        }
    }

    Answer drip(String address) throws IOException, InterruptedException {
        return drip(address, Optional.empty(), false);
    }

    Answer drip(String address, Optional<String> idempotencyKey, boolean waitConfirmed) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/api/faucet" + (waitConfirmed ? "?wait=confirmed" : "")))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(70))
                .POST(HttpRequest.BodyPublishers.ofString("{\"address\": \"" + address + "\"}"));
        idempotencyKey.ifPresent(k -> request.header("Idempotency-Key", k));
        return send(request.build());
    }

    Answer grant(String grantId) throws IOException, InterruptedException {
        return get("/api/faucet/grants/" + grantId);
    }

    Answer get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).GET().build());
    }

    /** Polls the grant until {@code done} holds, failing the test with the last answer after {@code within}. */
    JsonNode awaitGrant(String grantId, Predicate<JsonNode> done, Duration within) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            JsonNode grant = grant(grantId).body();
            if (done.test(grant)) {
                return grant;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("grant " + grantId + " did not get there within " + within.toSeconds() + " s: " + grant);
            }
            Thread.sleep(100);
        }
    }

    static Predicate<JsonNode> status(String wanted) {
        return g -> wanted.equals(g.path("status").asText());
    }

    static boolean isFinal(JsonNode grant) {
        String s = grant.path("status").asText();
        return s.equals("confirmed") || s.equals("failed");
    }

    private Answer send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()));
    }

    @Override
    public void close() {
        http.close();
    }
}
