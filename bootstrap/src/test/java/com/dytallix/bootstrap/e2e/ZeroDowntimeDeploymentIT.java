package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.Main;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LedgerFile;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.PaymentAudit;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.ServerProcess;
import com.dytallix.bootstrap.testing.Traffic;
import com.dytallix.domain.Wei;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runbook's zero-downtime deployment on the default store (SQLite), as an operator runs it:
 * traffic goes to instance A; B starts on another port in the same working directory and becomes
 * ready while A runs; the traffic is switched to B; A gets SIGTERM. No request fails, every
 * acknowledged grant is paid exactly once, the faucet's nonces have no gap, and the payer role moves
 * from A to B. Maintenance commands that replace or reshape the database refuse while any instance runs.
 */
class ZeroDowntimeDeploymentIT {
    @TempDir
    Path dir;

    @Test
    void switchingToASecondInstanceAndStoppingTheFirstLosesNothing() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1)) {
            Chain chain = new Chain(anvil);
            Map<String, String> settings = LiveServer.unlimitedSettingsFor(anvil, Map.of("LOG_LEVEL", "info",
                    "STATUS_REFRESH_MS", "500"));
            ServerProcess a = ServerProcess.start(dir, ServerProcess.freePort(), settings);
            ServerProcess b = null;
            try {
                String instanceA = a.http.get("/api/status").field("instance");
                String[] balancer = {a.http.base()};
                List<Traffic.Outcome> outcomes;
                try (Traffic traffic = new Traffic(() -> balancer[0], 3, 1)) {
                    Thread.sleep(2000);

                    // 1. start the new instance on another port, same configuration and working directory
                    ServerProcess started = ServerProcess.start(dir, ServerProcess.freePort(), settings);
                    b = started;
                    // 2. its health checks pass while A still runs, and A is still the payer
                    assertThat(b.http.get("/readyz").status()).isEqualTo(200);
                    ApiClient.Response statusB = b.http.get("/api/status");
                    assertThat(statusB.field("instance")).isNotEqualTo(instanceA);
                    assertThat(statusB.field("payer")).isEqualTo(instanceA);
                    assertThat(maintenance("migrate")).as("migrate while two instances run")
                            .contains("the server is running").contains("stop every instance first");
                    Thread.sleep(1500);

                    // 3. the load balancer now sends everything to B
                    balancer[0] = b.http.base();
                    Thread.sleep(1000);

                    // 4.-5. drain and stop A
                    a.terminate();
                    assertThat(a.awaitExit(Duration.ofSeconds(20))).as("A's exit status; log:%n%s", a.logTail()).hasValue(0);
                    String instanceB = statusB.field("instance");
                    assertThat(Poll.eventually(Duration.ofSeconds(15), () -> started.http.get("/api/status").field("payer"),
                            instanceB::equals)).as("the payer after A stopped").isEqualTo(instanceB);
                    assertThat(b.http.get("/metrics").body()).contains("dytallix_payer_leader 1.0");
                    Thread.sleep(3000);
                    outcomes = traffic.stop();
                }

                assertThat(outcomes).as("failed requests").filteredOn(Traffic.Outcome::failed).isEmpty();
                List<Traffic.Outcome> grants = outcomes.stream().filter(Traffic.Outcome::acknowledgedGrant).toList();
                assertThat(grants).as("grants acknowledged by A").anyMatch(o -> o.target().equals(a.http.base()));
                String baseB = b.http.base();
                assertThat(grants).as("grants acknowledged by B").anyMatch(o -> o.target().equals(baseB));
                for (Traffic.Outcome o : grants) {
                    b.http.awaitGrant(o.answer().field("grantId"), ApiClient::isFinal, Duration.ofSeconds(60));
                }
                PaymentAudit.Summary summary = PaymentAudit.verify(chain, new LedgerFile(dir),
                        grants.stream().map(o -> o.answer().field("grantId")).toList(),
                        outcomes.stream().filter(o -> o.kind().equals("faucet")).map(Traffic.Outcome::recipient).toList(),
                        Wei.ofDyt("10").value());
                System.out.printf("zero-downtime drill: %d requests (%d relay), %d grants acknowledged, %d confirmed, "
                                + "%d gap fillers, faucet nonce %d%n", outcomes.size(),
                        outcomes.stream().filter(o -> o.kind().equals("relay")).count(), summary.acknowledged(),
                        summary.confirmed(), summary.fillers(), summary.faucetNonce());
            } finally {
                a.close();
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    /** A maintenance command run in this working directory, as an operator would; returns what it printed. */
    private String maintenance(String command) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        int code = Main.run(new String[] {command}, Map.of("RPC_URL", "http://127.0.0.1:1", "ADMIN_TOKEN", "x".repeat(32),
                "FAUCET_PRIVATE_KEY", AnvilProcess.ACCOUNT_0_KEY), dir, out, out);
        assertThat(code).as("%s exit status: %s", command, text).isNotZero();
        return text.toString(StandardCharsets.UTF_8);
    }
}
