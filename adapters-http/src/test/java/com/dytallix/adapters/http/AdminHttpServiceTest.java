package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.AuditEntry;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AdminHttpServiceTest {
    private static final String NEW_KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    @RegisterExtension
    static final TestApi api = TestApi.start();

    @Test
    void runbookPauseWithoutBodyOrContentTypePausesAndAudits() {
        var reply = api.raw("POST /api/admin/pause HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestApi.TOKEN
                + "\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nConnection: close\r\n\r\n");

        assertThat(reply).startsWith("HTTP/1.1 200");
        JsonNode body = Json.parse(reply.substring(reply.indexOf("\r\n\r\n") + 4).getBytes());
        assertThat(body.get("paused").asBoolean()).isTrue();
        assertThat(body.get("reason").isNull()).isTrue();
        assertThat(body.get("at").asText()).isEqualTo(api.clock.instant().toString());
        assertThat(api.controls.pauseState().paused()).isTrue();
        assertThat(api.audit("pause")).extracting(AuditEntry::outcome).contains("ok");

        var resumed = api.admin("POST", "/api/admin/resume", null);
        assertThat(resumed.status()).isEqualTo(200);
        assertThat(resumed.json().get("paused").asBoolean()).isFalse();
        assertThat(resumed.json().has("at")).isTrue();
        assertThat(api.controls.pauseState().paused()).isFalse();
    }

    @Test
    void pauseWithReasonShowsItInStatus() {
        var reply = api.admin("POST", "/api/admin/pause", "{\"reason\": \"under attack\"}");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("reason").asText()).isEqualTo("under attack");
        assertThat(api.get("/api/status").json().get("pausedReason").asText()).isEqualTo("under attack");
        api.admin("POST", "/api/admin/resume", null);
    }

    @Test
    void pauseRefusesWrongShapes() {
        assertThat(api.admin("POST", "/api/admin/pause", "{\"reason\": 5}").json().get("details").get("field").asText())
                .isEqualTo("reason");
        assertThat(api.admin("POST", "/api/admin/pause", "{\"reasn\": \"typo\"}").status()).isEqualTo(400);
        assertThat(api.admin("POST", "/api/admin/pause", "{\"reason\": \"" + "x".repeat(501) + "\"}").status()).isEqualTo(400);
        assertThat(api.admin("POST", "/api/admin/pause", "{\"reason\": \"a\\nb\"}").status()).isEqualTo(400);
        var textBody = api.send("POST", "/api/admin/pause", "reason=x", "Authorization", "Bearer " + TestApi.TOKEN,
                "Content-Type", "text/plain");
        assertThat(textBody.status()).isEqualTo(415);
        assertThat(textBody.json().get("code").asText()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
        assertThat(api.controls.pauseState().paused()).isFalse();
    }

    @Test
    void runbookTopUpRecordsTheAmountExactlyWithTheBalanceNow() {
        api.chain.setBalance(api.keys.active().address(), Wei.ofDyt("12345.5"));
        var reply = api.admin("POST", "/api/admin/topup", "{\"amount\": 10000, \"note\": \"Emergency top-up\"}");

        assertThat(reply.status()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.get("id").asLong()).isPositive();
        assertThat(body.get("amount").asText()).isEqualTo("10000");
        assertThat(body.get("note").asText()).isEqualTo("Emergency top-up");
        assertThat(body.get("balanceAfter").asText()).isEqualTo("12345.5");
        assertThat(body.get("at").asText()).isEqualTo(api.clock.instant().toString());
    }

    @Test
    void topUpAmountsAreExactAsNumbersAndStrings() {
        var number = api.admin("POST", "/api/admin/topup", "{\"amount\": 0.123456789012345678}");
        assertThat(number.status()).isEqualTo(200);
        assertThat(number.json().get("amount").asText()).isEqualTo("0.123456789012345678");
        assertThat(api.controls.recentTopUps(1).getFirst().amount().value().toString()).isEqualTo("123456789012345678");

        var text = api.admin("POST", "/api/admin/topup", "{\"amount\": \"2.50\"}");
        assertThat(text.json().get("amount").asText()).isEqualTo("2.5");
        assertThat(api.admin("POST", "/api/admin/topup", "{\"amount\": 1e3}").json().get("amount").asText()).isEqualTo("1000");
    }

    @Test
    void topUpRefusesBadAmountsWithTheField() {
        long refusedBefore = api.audit("topup").stream().filter(e -> e.outcome().equals("invalid")).count();
        long doneBefore = api.audit("topup").stream().filter(e -> e.outcome().equals("ok")).count();
        for (String amount : new String[] {"0", "-5", "\"-5\"", "0.1234567890123456789", "\"abc\"", "\"1e3\"", "true",
                "1e999", "null", "[1]"}) {
            var reply = api.admin("POST", "/api/admin/topup", "{\"amount\": " + amount + "}");
            assertThat(reply.status()).as(amount).isEqualTo(400);
            assertThat(reply.json().get("code").asText()).isEqualTo("INVALID_REQUEST");
            assertThat(reply.json().get("details").get("field").asText()).as(amount).isEqualTo("amount");
        }
        // an exponent no amount has is refused while the JSON is read, wherever it is
        assertThat(api.admin("POST", "/api/admin/topup", "{\"amount\": 1e999999999}").json().get("message").asText())
                .contains("number is out of range");
        assertThat(api.admin("POST", "/api/admin/topup", "{\"amount\": 1, \"note\": 7}").status()).isEqualTo(400);
        assertThat(api.admin("POST", "/api/admin/topup", "{\"amount\": 1, \"amount\": 2}").json().get("message").asText())
                .contains("duplicate key");
        assertThat(api.admin("POST", "/api/admin/topup", "").json().get("code").asText()).isEqualTo("INVALID_REQUEST");
        // every refused top-up is in the audit log, none recorded as done
        var topUps = api.audit("topup");
        assertThat(topUps.stream().filter(e -> e.outcome().equals("invalid")).count() - refusedBefore).isEqualTo(14);
        assertThat(topUps.stream().filter(e -> e.outcome().equals("ok")).count()).isEqualTo(doneBefore);
    }

    @Test
    void rotateKeyAnswersAddressesAndNeverEchoesTheKey() {
        var before = api.keys.active().address();
        var reply = api.admin("POST", "/api/admin/rotate-key", "{\"newKey\": \"0x" + NEW_KEY + "\"}");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("success").asBoolean()).isTrue();
        assertThat(reply.json().get("previousAddress").asText()).isEqualTo(before.value());
        assertThat(reply.json().get("newAddress").asText()).isEqualTo(api.keys.active().address().value());
        assertThat(reply.json().has("rotatedAt")).isTrue();
        assertThat(reply.body()).doesNotContainIgnoringCase(NEW_KEY);
        assertThat(api.rotations.last()).isPresent();

        var state = api.admin("GET", "/api/admin/state", null);
        assertThat(state.json().get("lastRotation").get("newAddress").asText()).isEqualTo(api.keys.active().address().value());
        var audit = api.admin("GET", "/api/admin/audit?limit=1000", null);
        assertThat(state.body() + audit.body()).doesNotContainIgnoringCase(NEW_KEY);
    }

    @Test
    void stateListsTheKeysStillFinishingWithTheirDrain() {
        var before = api.keys.active().address();
        var reply = api.admin("POST", "/api/admin/rotate-key", "{\"newKey\": \"0x" + NEW_KEY + "\", \"drain\": true}");
        assertThat(reply.status()).isEqualTo(200);

        JsonNode s = api.admin("GET", "/api/admin/state", null).json();
        String after = api.keys.active().address().value();
        JsonNode retiring = s.get("retiringKeys").get(s.get("retiringKeys").size() - 1);
        assertThat(retiring.get("address").asText()).isEqualTo(before.value());
        assertThat(retiring.get("drainTo").asText()).isEqualTo(after);
        JsonNode drain = s.get("pendingDrains").get(s.get("pendingDrains").size() - 1);
        assertThat(drain.get("from").asText()).isEqualTo(before.value());
        assertThat(drain.get("to").asText()).isEqualTo(after);
    }

    @Test
    void rotateKeyValidationErrorsNeverEchoTheKey() {
        String shortKey = NEW_KEY.substring(2);
        String zero = "0".repeat(64);
        String[] bodies = {
            "{\"newKey\": \"" + shortKey + "\"}",
            "{\"newKey\": \"" + zero + "\"}",
            "{\"newKey\": \"" + NEW_KEY + "\", \"drain\": \"yes\"}",
            "{\"newKey\": \"" + NEW_KEY + "\", \"extra\": 1}",
            "{\"newKey\": \"" + NEW_KEY + "\", \"newKey\": \"" + NEW_KEY + "\"}",
            "{\"newKey\": \"" + NEW_KEY + "\""};
        var active = api.keys.active().address();
        var lastRotation = api.rotations.last();
        for (String body : bodies) {
            var reply = api.admin("POST", "/api/admin/rotate-key", body);
            assertThat(reply.status()).as(body).isEqualTo(400);
            assertThat(reply.body()).doesNotContain(shortKey).doesNotContain(zero).doesNotContain(NEW_KEY.substring(8, 40));
        }
        assertThat(api.keys.active().address()).isEqualTo(active);
        assertThat(api.rotations.last()).isEqualTo(lastRotation);
        String audit = api.admin("GET", "/api/admin/audit?limit=1000", null).body();
        assertThat(audit).doesNotContain(shortKey).doesNotContain(zero);
    }

    @Test
    void stateShowsWhatAnOperatorChecksFirst() {
        api.grant("state-grant", "10.0.0.1", api.clock.instant());
        var reply = api.admin("GET", "/api/admin/state", null);

        assertThat(reply.status()).isEqualTo(200);
        JsonNode s = reply.json();
        assertThat(s.get("faucetAddress").asText()).isEqualTo(api.keys.active().address().value());
        assertThat(s.get("unfinishedGrants").get("pending").asLong()).isPositive();
        assertThat(s.has("paused")).isTrue();
        assertThat(s.get("recentTopUps").isArray()).isTrue();
        assertThat(api.audit("state")).isNotEmpty();
    }

    @Test
    void grantsAreSearchedByEveryFilter() {
        Instant at = Instant.parse("2026-01-30T00:00:00Z");
        var g = api.grant("search-grant", "2001:db8::7", at);
        api.grant("search-grant", "2001:db8::8", at);
        api.grant("search-other", "2001:db8::7", at);
        api.grant("search-grant", "2001:db8::7", Instant.parse("2026-01-28T00:00:00Z"));
        String filters = "since=2026-01-29T00:00:00Z&ip=2001:DB8:0:0::7&address=" + g.address().lower();
        var reply = api.admin("GET", "/api/admin/grants?" + filters + "&status=pending&limit=5", null);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("count").asInt()).isEqualTo(1);
        assertThat(reply.json().get("grants").get(0).get("grantId").asText()).isEqualTo(g.id().value());
        assertThat(reply.json().get("grants").get(0).get("ip").asText()).isEqualTo("2001:db8::7");
        assertThat(api.admin("GET", "/api/admin/grants?" + filters + "&status=confirmed", null).json().get("count").asInt())
                .isZero();

        for (int i = 0; i < 101; i++) {
            api.grant("many-" + i, "10.9.0.1", at);
        }
        assertThat(api.admin("GET", "/api/admin/grants?ip=10.9.0.1&limit=5", null).json().get("count").asInt()).isEqualTo(5);
        assertThat(api.admin("GET", "/api/admin/grants?ip=10.9.0.1", null).json().get("count").asInt()).isEqualTo(100);
    }

    @Test
    void grantFiltersAreValidated() {
        String[][] cases = {
            {"since=yesterday", "since"}, {"ip=10.0.0.300", "ip"}, {"status=paid", "status"}, {"limit=0", "limit"},
            {"limit=1001", "limit"}, {"limit=ten", "limit"}, {"limit=1&limit=2", "limit"}, {"adress=0x00", "adress"}};
        for (String[] c : cases) {
            var reply = api.admin("GET", "/api/admin/grants?" + c[0], null);
            assertThat(reply.status()).as(c[0]).isEqualTo(400);
            assertThat(reply.json().get("details").get("field").asText()).as(c[0]).isEqualTo(c[1]);
        }
        assertThat(api.admin("GET", "/api/admin/grants?address=0x1234", null).json().get("code").asText())
                .isEqualTo("INVALID_ADDRESS");
        assertThat(api.admin("GET", "/api/admin/audit?limit=-1", null).status()).isEqualTo(400);
    }

    @Test
    void auditListsActionsNewestFirst() {
        api.admin("POST", "/api/admin/pause", null);
        api.admin("POST", "/api/admin/resume", null);
        var reply = api.admin("GET", "/api/admin/audit?limit=2", null);

        assertThat(reply.status()).isEqualTo(200);
        JsonNode entries = reply.json().get("entries");
        assertThat(entries).hasSize(2);
        assertThat(entries.get(0).get("action").asText()).isEqualTo("resume");
        assertThat(entries.get(0).get("ip").asText()).isEqualTo("127.0.0.1");
        assertThat(entries.get(0).get("outcome").asText()).isEqualTo("ok");
    }

    @Test
    void wrongMethodOnAnAdminPathIs405WithAllow() {
        var reply = api.admin("GET", "/api/admin/pause", null);
        assertThat(reply.status()).isEqualTo(405);
        assertThat(reply.header("Allow")).contains("POST, OPTIONS");
        assertThat(reply.json().get("code").asText()).isEqualTo("METHOD_NOT_ALLOWED");
    }
}
