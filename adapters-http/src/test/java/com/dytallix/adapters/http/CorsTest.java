package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CorsTest {
    private static final String FRONTEND = "http://localhost:5173";

    @RegisterExtension
    static final TestApi api = TestApi.start(o -> o.origins = List.of(FRONTEND, "https://app.example.org/"));

    @Test
    void preflightFromAnAllowedOriginIs204WithTheCorsAnswer() {
        var reply = api.send("OPTIONS", "/api/faucet", null, "Origin", FRONTEND,
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,idempotency-key");

        assertThat(reply.status()).isEqualTo(204);
        assertThat(reply.header("Access-Control-Allow-Origin")).contains(FRONTEND);
        assertThat(reply.header("Access-Control-Allow-Methods").orElseThrow()).contains("POST").contains("GET");
        assertThat(reply.header("Access-Control-Allow-Headers").orElseThrow())
                .contains("Content-Type", "Authorization", "Idempotency-Key", "X-Request-Id");
        assertThat(reply.header("Access-Control-Max-Age")).isPresent();
        assertThat(reply.header("Vary").orElseThrow()).contains("Origin");
        assertThat(reply.header("Allow")).contains("POST, OPTIONS");
    }

    @Test
    void configuredOriginsMatchWithoutCaseOrTrailingSlash() {
        var reply = api.send("OPTIONS", "/api/admin/state", null, "Origin", "https://APP.example.org",
                "Access-Control-Request-Method", "GET");
        assertThat(reply.header("Access-Control-Allow-Origin")).contains("https://APP.example.org");
    }

    @Test
    void simpleRequestFromAnAllowedOriginCanReadTheAnswerAndItsHeaders() {
        var reply = api.get("/api/status", "Origin", FRONTEND);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Access-Control-Allow-Origin")).contains(FRONTEND);
        assertThat(reply.header("Access-Control-Expose-Headers").orElseThrow()).contains("X-Request-Id", "Retry-After");

        var error = api.get("/api/balance", "Origin", FRONTEND);
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.header("Access-Control-Allow-Origin")).contains(FRONTEND);
    }

    @Test
    void otherOriginsGetNoCorsHeaders() {
        for (String origin : new String[] {"http://evil.example", "http://localhost:5173.evil.example", "null",
                "http://localhost:5174"}) {
            var preflight = api.send("OPTIONS", "/api/faucet", null, "Origin", origin, "Access-Control-Request-Method", "POST");
            var simple = api.get("/api/status", "Origin", origin);
            for (var reply : List.of(preflight, simple)) {
                assertThat(reply.headers().map().keySet()).as(origin)
                        .noneMatch(h -> h.toLowerCase(java.util.Locale.ROOT).startsWith("access-control-"));
            }
        }
    }

    @Test
    void anyOriginWhenConfiguredWithAStar() {
        try (TestApi open = TestApi.start(o -> o.origins = List.of("*"))) {
            var reply = open.get("/api/status", "Origin", "https://anything.example");
            assertThat(reply.header("Access-Control-Allow-Origin")).contains("*");
        }
    }

    @Test
    void unknownPathPreflightIsTheJson404() {
        var reply = api.send("OPTIONS", "/api/nothing-here", null, "Origin", FRONTEND, "Access-Control-Request-Method", "GET");
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().get("code").asText()).isEqualTo("NOT_FOUND");
    }
}
