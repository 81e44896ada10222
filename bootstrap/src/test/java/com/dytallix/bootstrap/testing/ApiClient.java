package com.dytallix.bootstrap.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Plain HTTP against a running server, the way a browser, curl or a faucet user calls it. Failures
 * to connect or read come as {@link UncheckedIOException} whose cause is the original exception,
 * so drills that kill the server can tell a refused connection from a cut-off one.
 */
public final class ApiClient implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Generous for loopback: a connection refused comes at once, and on a loaded machine the client's
     * selector thread may not run for seconds (a tight bound failed 200 parallel requests).
     */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration GET_TIMEOUT = Duration.ofSeconds(30);
    /** Longer than a {@code ?wait=confirmed} request may take. */
    private static final Duration POST_TIMEOUT = Duration.ofSeconds(70);

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT).build();
    private final String base;

    public ApiClient(String base) {
        this.base = base;
    }

    public record Response(int status, String body, HttpHeaders headers) {
        public JsonNode json() {
            return parse(body);
        }

        /** A top-level field of the JSON body as text; null when it is missing or JSON null. */
        public String field(String name) {
            JsonNode v = json().get(name);
            return v == null || v.isNull() ? null : v.asText();
        }
    }

    /** The JSON in {@code text}; an empty text is JSON null. */
    public static JsonNode parse(String text) {
        try {
            return text.isEmpty() ? JSON.nullNode() : JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }

    public String base() {
        return base;
    }

    public URI uri(String path) {
        return URI.create(base + path);
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(GET_TIMEOUT).GET());
    }

    /** A JSON POST; {@code headers} are name, value pairs. */
    public Response post(String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(POST_TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    /** Any other request, sent as built (no timeout unless the builder has one). */
    public Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // --- the faucet, as its users call it ---

    public Response drip(String address) {
        return drip(address, Optional.empty(), false);
    }

    public Response drip(String address, Optional<String> idempotencyKey, boolean waitConfirmed) {
        String path = "/api/faucet" + (waitConfirmed ? "?wait=confirmed" : "");
        String json = "{\"address\": \"" + address + "\"}";
        return idempotencyKey.map(k -> post(path, json, "Idempotency-Key", k)).orElseGet(() -> post(path, json));
    }

    public Response grant(String grantId) {
        return get("/api/faucet/grants/" + grantId);
    }

    /** Polls the grant until {@code done} holds, failing the test with the last answer after {@code within}. */
    public JsonNode awaitGrant(String grantId, Predicate<JsonNode> done, Duration within) throws InterruptedException {
        JsonNode grant = Poll.eventually(within, () -> grant(grantId).json(), done);
        if (!done.test(grant)) {
            throw new AssertionError("grant " + grantId + " did not get there within " + within.toSeconds() + " s: " + grant);
        }
        return grant;
    }

    public static Predicate<JsonNode> status(String wanted) {
        return g -> wanted.equals(g.path("status").asText());
    }

    public static boolean isFinal(JsonNode grant) {
        String s = grant.path("status").asText();
        return s.equals("confirmed") || s.equals("failed");
    }

    @Override
    public void close() {
        client.close();
    }
}
