package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.Required;
import com.dytallix.bootstrap.testing.Resources;
import com.dytallix.bootstrap.StartupException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;

/**
 * Issue 6: the shared runbook's commands (RUNBOOK.md), run as an operator would with bash, curl, jq,
 * sqlite3 and openssl, against the server in front of a real anvil. The command texts below are the
 * runbook's, character for character; the only substitutions are the ones the runbook asks for
 * (NEW_KEY_HERE) and, when another process holds 8787 on this machine, the port.
 */
class RunbookCommandsTest {
    // "Faucet Empty" → Solutions 1, 3, 4 (also "Faucet Under Attack" → Solutions 1)
    private static final String PAUSE = """
            curl -X POST http://localhost:8787/api/admin/pause \\
              -H "Authorization: Bearer $ADMIN_TOKEN"
            """;
    private static final String TOPUP = """
            curl -X POST http://localhost:8787/api/admin/topup \\
              -H "Authorization: Bearer $ADMIN_TOKEN" \\
              -H "Content-Type: application/json" \\
              -d '{"amount": 10000, "note": "Emergency top-up"}'
            """;
    private static final String RESUME = """
            curl -X POST http://localhost:8787/api/admin/resume \\
              -H "Authorization: Bearer $ADMIN_TOKEN"
            """;
    // "Node Out of Sync", "Faucet Empty", "RPC Timeouts" → Diagnosis
    private static final String SYNC_LAG = "curl http://localhost:8787/api/status | jq '.nodeSyncLag'";
    private static final String FAUCET_BALANCE = "curl http://localhost:8787/api/status | jq '.faucetBalance'";
    private static final String REQUEST_DURATION = "curl http://localhost:8787/metrics | grep http_request_duration";
    // "Key Rotation" → Procedure 1 and 3
    private static final String NEW_KEY = "openssl rand -hex 32";
    private static final String ROTATE = """
            curl -X POST http://localhost:8787/api/admin/rotate-key \\
              -H "Authorization: Bearer $ADMIN_TOKEN" \\
              -H "Content-Type: application/json" \\
              -d '{"newKey": "NEW_KEY_HERE"}'
            """;
    // "Faucet Under Attack / Rate Limit Abuse" → Diagnosis
    private static final String RECENT_GRANTS = """
            sqlite3 data/dytallix.db "SELECT ip, COUNT(*) as count FROM faucet_grants WHERE created_at > datetime('now', '-1 hour') GROUP BY ip ORDER BY count DESC LIMIT 10;"
            """;
    private static final String SUSPICIOUS = """
            sqlite3 data/dytallix.db "SELECT ip, COUNT(DISTINCT address) as addresses FROM request_fingerprints WHERE created_at > datetime('now', '-1 hour') GROUP BY ip HAVING addresses > 5;"
            """;
    // "Database Locked" → Diagnosis
    private static final String WHO_HOLDS_IT = "lsof data/dytallix.db";
    private static final String INTEGRITY = "sqlite3 data/dytallix.db \"PRAGMA integrity_check;\"";
    private static final int RUNBOOK_PORT = 8787;

    private static AnvilProcess anvil;
    @TempDir
    Path dir;
    private LiveServer server;

    @BeforeAll
    static void startNode() {
        anvil = AnvilProcess.withBlockTime(1);
    }

    @AfterAll
    static void stopNode() throws Exception {
        Resources.closeAll(anvil);
    }

    @BeforeEach
    void startServer() {
        server = startOnRunbookPort();
    }

    @AfterEach
    void stopServer() throws Exception {
        Resources.closeAll(server);
    }

    @Test
    void pauseTopUpAndResumeAsWritten() throws Exception {
        // payments an earlier test left in the node's pool land first, so the balance the top-up
        // records is the one the chain keeps (on a loaded machine they can still be pending here)
        Chain chain = new Chain(anvil);
        Poll.eventually(Duration.ofSeconds(30),
                () -> chain.pendingNonce(AnvilProcess.ACCOUNT_0_ADDRESS) == chain.minedNonce(AnvilProcess.ACCOUNT_0_ADDRESS),
                settled -> settled);
        Run paused = run(PAUSE);
        assertThat(paused.json().get("paused").asBoolean()).isTrue();
        Response refused = server.http.post("/api/faucet", "{\"address\": \"0x000000000000000000000000000000000000bEEF\"}");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.json().get("code").asText()).isEqualTo("FAUCET_PAUSED");
        assertThat(server.http.get("/api/status").json().get("paused").asBoolean()).isTrue();

        JsonNode topUp = run(TOPUP).json();
        assertThat(topUp.get("amount").asText()).isEqualTo("10000");
        assertThat(topUp.get("note").asText()).isEqualTo("Emergency top-up");
        // nothing is in flight while paused, so the chain's balance still is the one recorded
        assertThat(new BigDecimal(topUp.get("balanceAfter").asText()))
                .isEqualByComparingTo(new BigDecimal(chain.balance(AnvilProcess.ACCOUNT_0_ADDRESS)).movePointLeft(18));

        JsonNode resumed = run(RESUME).json();
        assertThat(resumed.get("paused").asBoolean()).isFalse();
        assertThat(server.http.get("/api/status").json().get("paused").asBoolean()).isFalse();
        Response granted = server.http.post("/api/faucet?wait=confirmed", "{\"address\": \"0x000000000000000000000000000000000000bEEF\"}");
        assertThat(granted.status()).as(granted.body()).isEqualTo(200);
        assertThat(granted.json().get("status").asText()).isEqualTo("confirmed");
    }

    @Test
    void diagnosisPipelinesPrintWhatTheRunbookLooksFor() throws Exception {
        Required.tool(available("jq"), "jq is not installed: the runbook's jq pipelines cannot run here");
        JsonNode status = Poll.eventually(Duration.ofSeconds(30), () -> server.http.get("/api/status").json(),
                s -> !s.get("faucetBalance").isNull());
        String lag = run(SYNC_LAG).out().strip();
        assertThat(lag).matches("\\d+");
        assertThat(Long.parseLong(lag)).isLessThanOrEqualTo(1);
        String balance = run(FAUCET_BALANCE).out().strip();
        assertThat(balance).isEqualTo("\"" + status.get("faucetBalance").asText() + "\"");
        assertThat(new BigDecimal(balance.replace("\"", ""))).isPositive();

        List<String> lines = run(REQUEST_DURATION).out().lines().toList();
        assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l).contains("http_request_duration"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("http_request_duration_seconds_bucket{")
                .contains("path=\"/api/status\""));
    }

    @Test
    void keyRotationAsWrittenSurvivesARestart() throws Exception {
        String newKey = run(NEW_KEY).out().strip();
        assertThat(newKey).matches("[0-9a-f]{64}");
        String newAddress = Keys.toChecksumAddress(Credentials.create(newKey).getAddress());

        JsonNode rotated = run(ROTATE.replace("NEW_KEY_HERE", newKey)).json();
        assertThat(rotated.get("success").asBoolean()).isTrue();
        assertThat(rotated.get("newAddress").asText()).isEqualTo(newAddress);
        assertThat(rotated.get("previousAddress").asText()).isEqualTo(AnvilProcess.ACCOUNT_0_ADDRESS);
        assertThat(rotated.toString()).doesNotContain(newKey);
        JsonNode status = Poll.eventually(Duration.ofSeconds(30), () -> server.http.get("/api/status").json(),
                s -> s.get("faucetAddress").asText().equals(newAddress));
        assertThat(status.get("faucetAddress").asText()).isEqualTo(newAddress);

        // FAUCET_PRIVATE_KEY still names the old key: the rotated one on disk wins
        server.close();
        server = startOnRunbookPort();
        assertThat(server.http.get("/api/status").json().get("faucetAddress").asText()).isEqualTo(newAddress);
    }

    @Test
    void abuseQueriesSeeTheGrantsAndTheAttack() throws Exception {
        Required.tool(available("sqlite3"), "the sqlite3 CLI is not installed: the runbook's queries cannot run here");
        int granted = 0;
        int suspicious = 0;
        List<String> addresses = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            String address = Keys.toChecksumAddress(String.format("0x%040x", 0xA11CE00L + i));
            addresses.add(address);
            Response r = server.http.post("/api/faucet", "{\"address\": \"" + address + "\"}");
            if (r.status() == 200 || r.status() == 202) {
                granted++;
            } else {
                assertThat(r.status()).as(r.body()).isEqualTo(429);
                assertThat(r.json().get("details").get("scope").asText()).isEqualTo("suspicious");
                suspicious++;
            }
        }
        // more than SUSPICIOUS_ADDRESSES_PER_IP_PER_HOUR (5) distinct addresses from one IP is refused
        assertThat(granted).isEqualTo(5);
        assertThat(suspicious).isEqualTo(2);

        assertThat(run(RECENT_GRANTS).out().strip()).isEqualTo("127.0.0.1|" + granted);
        // fingerprints are written in batches a few times a second
        String expected = "127.0.0.1|" + addresses.size();
        assertThat(Poll.eventually(Duration.ofSeconds(10), () -> {
            try {
                return run(SUSPICIOUS).out().strip();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, expected::equals)).isEqualTo(expected);
    }

    @Test
    void databaseLockedDiagnosisNamesTheServerAndChecksTheFileWhileItRuns() throws Exception {
        Required.tool(available("lsof"), "lsof is not installed: the runbook's lsof cannot run here");
        Required.tool(available("sqlite3"), "the sqlite3 CLI is not installed: the runbook's integrity check cannot run here");
        // the server (in this JVM) holds the database open: lsof names its process
        String pid = Long.toString(ProcessHandle.current().pid());
        assertThat(run(WHO_HOLDS_IT).out().lines().skip(1).map(l -> l.split("\\s+")[1]).toList()).isNotEmpty().contains(pid);
        assertThat(run(INTEGRITY).out().strip()).isEqualTo("ok");
    }

    // --- running commands as an operator's shell would ---

    record Run(int exit, String out, String err) {
        JsonNode json() throws IOException {
            return ApiClient.parse(out);
        }
    }

    private Run run(String runbookCommand) throws IOException, InterruptedException {
        String command = server.port() == RUNBOOK_PORT ? runbookCommand
                : runbookCommand.replace("localhost:" + RUNBOOK_PORT, "localhost:" + server.port());
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).directory(dir.toFile());
        pb.environment().put("ADMIN_TOKEN", LiveServer.ADMIN_TOKEN);
        Process p = pb.start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        Run run = new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        assertThat(run.exit()).as("exit code of %s (stderr: %s)", command, run.err()).isZero();
        return run;
    }

    private static boolean available(String tool) throws IOException, InterruptedException {
        return new ProcessBuilder("bash", "-c", "command -v " + tool).start().waitFor() == 0;
    }

    /**
     * The server on the runbook's own port 8787 when nothing else on this machine holds it (other
     * servers may run here); otherwise on a free port, and {@link #run} puts that port in place of
     * 8787 in the commands.
     */
    private LiveServer startOnRunbookPort() {
        Map<String, String> settings = LiveServer.settingsFor(anvil);
        if (runbookPortFree()) {
            settings.put("PORT", Integer.toString(RUNBOOK_PORT));
            try {
                return LiveServer.start(settings, dir);
            } catch (StartupException takenMeanwhile) {
                settings.put("PORT", "0");
            }
        }
        return LiveServer.start(settings, dir);
    }

    private static boolean runbookPortFree() {
        try (ServerSocket probe = new ServerSocket(RUNBOOK_PORT, 1, InetAddress.getByName("127.0.0.1"))) {
            probe.getLocalPort();
        } catch (IOException taken) {
            return false;
        }
        // curl tries every address of localhost (::1 first): none may answer on 8787 but ours
        try {
            for (InetAddress a : InetAddress.getAllByName("localhost")) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(a, RUNBOOK_PORT), 200);
                    return false;
                } catch (IOException nobodyThere) {
                    // free on this address
                }
            }
        } catch (IOException e) {
            return false;
        }
        return true;
    }
}
