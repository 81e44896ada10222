package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.Resources;
import com.dytallix.bootstrap.testing.ServerProcess;
import com.dytallix.domain.Wei;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;

/**
 * Issue 8: the packaged server ({@code java -jar dytallix-api.jar}) as its own process, everything
 * it writes captured: after a scenario that handles every secret (faucet grants, admin actions with
 * the token, a wrong token, a key rotation, an RPC timeout) no key or token appears in any form,
 * stdout is one JSON object per line, request lines carry their fields, and LOG_LEVEL=warn leaves
 * out INFO lines.
 */
class LogSecrecyIT {
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;
    private AnvilProcess anvil;
    private ServerProcess server;

    @AfterEach
    void stop() throws Exception {
        Resources.closeAll(server, anvil == null ? null : () -> signal(anvil, "CONT"), anvil);
    }

    @Test
    void noSecretEverReachesTheOutput() throws Exception {
        anvil = AnvilProcess.withBlockTime(1);
        String faucetKey = AnvilProcess.ACCOUNT_0_KEY;
        String adminToken = HEX.formatHex(random(24));
        String wrongToken = adminToken.substring(0, adminToken.length() - 1) + (adminToken.endsWith("0") ? "1" : "0");
        String rotatedKey = HEX.formatHex(random(32));
        server = ServerProcess.start(dir, ServerProcess.freePort(), settings(anvil, Map.of("FAUCET_PRIVATE_KEY", faucetKey,
                "ADMIN_TOKEN", adminToken, "LOG_LEVEL", "info")));
        ApiClient http = server.http;
        String bearer = "Bearer " + adminToken;

        Response granted = http.post("/api/faucet?wait=confirmed", "{\"address\": \"0x000000000000000000000000000000000000bEEF\"}");
        assertThat(granted.status()).as(granted.body()).isEqualTo(200);
        assertThat(http.get("/api/faucet/grants/" + granted.json().get("grantId").asText()).status()).isEqualTo(200);
        assertThat(http.post("/api/faucet", "{\"address\": \"0x000000000000000000000000000000000000cafE\"}").status()).isIn(200, 202);

        assertThat(http.post("/api/admin/pause", "{\"reason\": \"log secrecy check\"}", "Authorization", bearer).status()).isEqualTo(200);
        assertThat(http.post("/api/admin/topup", "{\"amount\": 10000, \"note\": \"Emergency top-up\"}", "Authorization", bearer).status())
                .isEqualTo(200);
        assertThat(http.post("/api/admin/resume", "", "Authorization", bearer).status()).isEqualTo(200);
        assertThat(http.post("/api/admin/pause", "", "Authorization", "Bearer " + wrongToken).status()).isEqualTo(403);
        assertThat(http.post("/api/admin/pause", "", "Authorization", adminToken).status()).isEqualTo(401);

        // a malformed key that holds the real one must not be echoed either
        Response malformed = http.post("/api/admin/rotate-key", "{\"newKey\": \"" + rotatedKey + "zz\"}", "Authorization", bearer);
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.body()).doesNotContainIgnoringCase(rotatedKey);
        Response rotated = http.post("/api/admin/rotate-key", "{\"newKey\": \"0x" + rotatedKey + "\"}", "Authorization", bearer);
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        String newAddress = Keys.toChecksumAddress(Credentials.create(rotatedKey).getAddress());
        assertThat(rotated.json().get("newAddress").asText()).isEqualTo(newAddress);
        // fund the new key and let it sign a grant, so the new key is used, not only stored
        new Chain(anvil).setBalance(newAddress, Wei.ofDyt("1000").value());
        Response byNewKey = Poll.eventually(Duration.ofSeconds(10),
                () -> http.post("/api/faucet?wait=confirmed", "{\"address\": \"0x000000000000000000000000000000000000dEaD\"}"),
                r -> r.status() != 503);
        assertThat(byNewKey.status()).as(byNewKey.body()).isEqualTo(200);

        // an RPC timeout: the node is frozen (SIGSTOP), so it accepts the connection and never answers
        signal(anvil, "STOP");
        Response timedOut = http.post("/api/rpc", "{\"method\":\"eth_blockNumber\",\"params\":[]}");
        signal(anvil, "CONT");
        assertThat(timedOut.status()).as(timedOut.body()).isEqualTo(504);
        assertThat(timedOut.json().get("code").asText()).isEqualTo("RPC_TIMEOUT");

        assertThat(server.stop()).as("exit code after SIGTERM").isZero();

        String everything = server.stdout() + "\n" + server.stderr();
        for (String secret : List.of(faucetKey, rotatedKey, adminToken, wrongToken)) {
            for (String form : forms(secret)) {
                assertThat(everything).as("output must not hold a secret").doesNotContainIgnoringCase(form);
            }
        }

        List<JsonNode> lines = jsonLines(server.stdout());
        List<JsonNode> requests = lines.stream().filter(l -> l.path("logger").asText().equals("access")).toList();
        assertThat(requests).hasSizeGreaterThanOrEqualTo(12);
        assertThat(requests).allSatisfy(l -> {
            assertThat(l.path("requestId").asText()).as("requestId in %s", l).isNotBlank();
            assertThat(l.path("method").asText()).as("method in %s", l).isIn("GET", "POST");
            assertThat(l.path("path").asText()).as("path in %s", l).startsWith("/");
            assertThat(l.path("status").isInt()).as("numeric status in %s", l).isTrue();
            assertThat(l.has("durationMs")).as("durationMs in %s", l).isTrue();
            assertThat(l.path("clientIp").asText()).isEqualTo("127.0.0.1");
        });
        assertThat(requests).extracting(l -> l.get("path").asText() + " " + l.get("status").asInt())
                .contains("/api/faucet 200", "/api/faucet/grants/{grantId} 200", "/api/admin/pause 200", "/api/admin/topup 200",
                        "/api/admin/resume 200", "/api/admin/pause 403", "/api/admin/pause 401", "/api/admin/rotate-key 400",
                        "/api/admin/rotate-key 200", "/api/rpc 504");
        assertThat(lines).anySatisfy(l -> assertThat(l.toString()).contains("RPC_TIMEOUT"));
        assertThat(lines).extracting(l -> l.path("level").asText()).contains("INFO");
    }

    @Test
    void logLevelWarnLeavesOutInfo() throws Exception {
        anvil = AnvilProcess.withBlockTime(1);
        server = ServerProcess.start(dir, ServerProcess.freePort(), settings(anvil, Map.of("ADMIN_TOKEN", HEX.formatHex(random(24)),
                "LOG_LEVEL", "warn")));
        assertThat(server.http.post("/api/faucet?wait=confirmed", "{\"address\": \"0x000000000000000000000000000000000000bEEF\"}").status())
                .isEqualTo(200);
        assertThat(server.http.get("/api/status").status()).isEqualTo(200);
        // a failure still shows: the timed-out request's lines are warnings
        // (once, on a loaded machine, the stopped node still answered: the call is repeated until one times out)
        Response timedOut = null;
        for (int attempt = 0; attempt < 3 && (timedOut == null || timedOut.status() == 200); attempt++) {
            signal(anvil, "STOP");
            timedOut = server.http.post("/api/rpc", "{\"method\":\"eth_blockNumber\",\"params\":[]}");
            signal(anvil, "CONT");
        }
        assertThat(timedOut.status()).isEqualTo(504);

        server.stop();
        List<JsonNode> lines = jsonLines(server.stdout());
        assertThat(lines).extracting(l -> l.path("level").asText()).isNotEmpty().allMatch(level -> level.equals("WARN") || level.equals("ERROR"));
        assertThat(lines).anySatisfy(l -> assertThat(l.path("path").asText() + " " + l.path("status").asInt()).isEqualTo("/api/rpc 504"));
    }

    /**
     * The operator's settings for the node, with a short node timeout so the frozen node's request
     * times out well within the client's wait.
     */
    private static Map<String, String> settings(AnvilProcess anvil, Map<String, String> overrides) {
        Map<String, String> settings = LiveServer.settingsFor(anvil);
        settings.put("NODE_TIMEOUT_MS", "1000");
        settings.putAll(overrides);
        return settings;
    }

    /** Every way a secret could be written: as given, without 0x, in upper case (searched ignoring case). */
    private static List<String> forms(String secret) {
        List<String> forms = new ArrayList<>(List.of(secret, secret.toUpperCase(Locale.ROOT)));
        if (secret.startsWith("0x")) {
            forms.add(secret.substring(2));
        }
        return forms;
    }

    private static List<JsonNode> jsonLines(String stdout) {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : stdout.lines().toList()) {
            JsonNode node;
            try {
                node = ApiClient.JSON.readTree(line);
            } catch (IOException e) {
                throw new AssertionError("stdout line is not JSON: " + line, e);
            }
            assertThat(node != null && node.isObject()).as("stdout line is one JSON object: %s", line).isTrue();
            lines.add(node);
        }
        return lines;
    }

    private static byte[] random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return b;
    }

    private static void signal(AnvilProcess anvil, String signal) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(anvil.pid())).start().waitFor()).isZero();
    }
}
