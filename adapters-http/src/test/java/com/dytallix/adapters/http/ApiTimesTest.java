package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every time the API answers is an ISO-8601 UTC instant to the millisecond (docs/api.md), whatever the
 * clock's resolution, and an admin action's answer gives the time its audit entry records. The clock
 * here reads to the nanosecond, as the system clock does: the resume's time (read again by the HTTP
 * layer), a rotation's and the status's timestamp used to come out with nine digits.
 */
class ApiTimesTest {
    private static final String NEW_KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    private static final String MILLISECONDS = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{3})?Z";

    @RegisterExtension
    static final TestApi api = TestApi.start();

    @Test
    void everyTimeInTheAnswersIsToTheMillisecondAndAnActionsTimeIsItsAuditTime() {
        api.clock.advance(Duration.ofNanos(123_456_789));
        List<JsonNode> answers = new ArrayList<>();
        var grant = api.grant("times", "203.0.113.9", api.clock.instant());
        answers.add(ok(api.get("/api/faucet/grants/" + grant.id())));

        JsonNode paused = ok(api.admin("POST", "/api/admin/pause", "{\"reason\": \"drill\"}"));
        answers.add(paused);
        answers.add(api.get("/api/status").json());
        api.clock.advance(Duration.ofNanos(1_000_001));
        JsonNode resumed = ok(api.admin("POST", "/api/admin/resume", null));
        answers.add(resumed);
        api.clock.advance(Duration.ofNanos(1_000_001));
        JsonNode toppedUp = ok(api.admin("POST", "/api/admin/topup", "{\"amount\": 5}"));
        answers.add(toppedUp);
        api.clock.advance(Duration.ofNanos(1_000_001));
        JsonNode rotated = ok(api.admin("POST", "/api/admin/rotate-key", "{\"newKey\": \"0x" + NEW_KEY + "\"}"));
        answers.add(rotated);
        answers.add(ok(api.admin("POST", "/api/admin/blocks",
                "{\"target\": \"198.51.100.7\", \"reason\": \"drill\", \"expiresAt\": \"2027-01-01T00:00:00.123456789Z\"}")));
        answers.add(ok(api.admin("GET", "/api/admin/grants", null)));
        answers.add(ok(api.admin("GET", "/api/admin/blocks", null)));
        answers.add(ok(api.admin("GET", "/api/admin/state", null)));
        JsonNode audit = ok(api.admin("GET", "/api/admin/audit?limit=100", null));
        answers.add(audit);

        List<String> times = new ArrayList<>();
        answers.forEach(answer -> times(answer, "", times));
        assertThat(times).as("the times answered").hasSizeGreaterThanOrEqualTo(15)
                .allSatisfy(t -> assertThat(t.substring(t.indexOf('=') + 1)).as(t).matches(MILLISECONDS));

        Map<String, String> audited = new java.util.HashMap<>();
        audit.get("entries").forEach(e -> audited.putIfAbsent(e.get("action").asText(), e.get("at").asText()));
        assertThat(paused.get("at").asText()).isEqualTo(audited.get("pause")).isEqualTo("2026-01-31T12:00:00.123Z");
        assertThat(resumed.get("at").asText()).isEqualTo(audited.get("resume")).isEqualTo("2026-01-31T12:00:00.124Z");
        assertThat(toppedUp.get("at").asText()).isEqualTo(audited.get("topup")).isEqualTo("2026-01-31T12:00:00.125Z");
        assertThat(rotated.get("rotatedAt").asText()).isEqualTo(audited.get("rotate-key")).isEqualTo("2026-01-31T12:00:00.126Z");
    }

    private static JsonNode ok(TestApi.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isBetween(200, 202);
        return reply.json();
    }

    /** Every text field named like a time ({@code at}, {@code ...At}, {@code ...Since}, {@code timestamp}), as path=value. */
    private static void times(JsonNode node, String path, List<String> into) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                times(node.get(i), path + "[" + i + "]", into);
            }
        }
        node.properties().forEach(field -> {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (value.isTextual() && (name.equals("at") || name.endsWith("At") || name.endsWith("Since") || name.equals("timestamp"))) {
                into.add(path + "." + name + "=" + value.asText());
            } else {
                times(value, path + "." + name, into);
            }
        });
    }
}
