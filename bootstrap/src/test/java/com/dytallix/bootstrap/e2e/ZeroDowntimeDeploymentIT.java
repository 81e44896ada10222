package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.Main;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LedgerFile;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Nginx;
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
 * The runbook's zero-downtime deployment on the default store (SQLite), as an operator runs it,
 * through a real nginx as the load balancer: continuous faucet and relay traffic goes through nginx
 * to instance A; B starts on another port in the same working directory and becomes ready while A
 * runs; nginx is switched to B (upstream rewritten, {@code nginx -s reload}); A gets SIGTERM. No
 * request fails, every acknowledged grant is paid exactly once, the faucet's nonces have no gap, and
 * the payer role moves from A to B. Maintenance commands that replace or reshape the database refuse
 * while any instance runs. Without nginx the test is skipped, except under CI, where it fails.
 */
class ZeroDowntimeDeploymentIT {
    @TempDir
    Path dir;

    @TempDir
    Path balancerDir;

    @Test
    void switchingToASecondInstanceAndStoppingTheFirstLosesNothing() throws Exception {
        Nginx.require();
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1)) {
            Chain chain = new Chain(anvil);
            Map<String, String> settings = LiveServer.unlimitedSettingsFor(anvil, Map.of("LOG_LEVEL", "info",
                    "STATUS_REFRESH_MS", "500", "TRUSTED_PROXIES", "127.0.0.1"));
            ServerProcess a = ServerProcess.start(dir, ServerProcess.freePort(), settings);
            ServerProcess b = null;
            try (Nginx nginx = Nginx.start(balancerDir, a.http.base()); ApiClient balancer = new ApiClient(nginx.url)) {
                String instanceA = a.http.get("/api/status").field("instance");
                assertThat(balancer.get("/api/status").field("instance")).as("nginx serves A").isEqualTo(instanceA);
                List<Traffic.Outcome> outcomes;
                int beforeSwitch;
                int afterStop;
                String instanceB;
                try (Traffic traffic = new Traffic(() -> nginx.url, 3, 1, true)) {
                    Poll.eventually(Duration.ofSeconds(60), traffic::count, n -> n >= 20);

                    // 1. start the new instance on another port, same configuration and working directory
                    ServerProcess started = ServerProcess.start(dir, ServerProcess.freePort(), settings);
                    b = started;
                    // 2. its health checks pass while A still runs, and A is still the payer
                    assertThat(b.http.get("/readyz").status()).isEqualTo(200);
                    ApiClient.Response statusB = b.http.get("/api/status");
                    instanceB = statusB.field("instance");
                    assertThat(instanceB).isNotEqualTo(instanceA);
                    assertThat(statusB.field("payer")).isEqualTo(instanceA);
                    assertThat(maintenance("migrate")).as("migrate while two instances run")
                            .contains("the server is running").contains("stop every instance first");

                    // 3. the load balancer now sends everything to B: once the reload is done, nginx's
                    // workers of the old configuration have finished their requests to A and exited
                    beforeSwitch = traffic.count();
                    nginx.switchTo(b.http.base());
                    assertThat(balancer.get("/api/status").field("instance")).as("nginx serves B").isEqualTo(instanceB);

                    // 4.-5. drain and stop A
                    a.terminate();
                    assertThat(a.awaitExit(Duration.ofSeconds(30))).as("A's exit status; log:%n%s", a.logTail()).hasValue(0);
                    afterStop = traffic.count();
                    assertThat(Poll.eventually(Duration.ofSeconds(15), () -> started.http.get("/api/status").field("payer"),
                            instanceB::equals)).as("the payer after A stopped").isEqualTo(instanceB);
                    assertThat(b.http.get("/metrics").body()).contains("dytallix_payer_leader 1.0");
                    Poll.eventually(Duration.ofSeconds(60), traffic::count, n -> n >= afterStop + 20);
                    outcomes = traffic.stop();
                }

                assertThat(outcomes).as("failed requests (nginx log: %s)", nginx.log()).filteredOn(Traffic.Outcome::failed)
                        .isEmpty();
                assertThat(outcomes.subList(0, beforeSwitch)).as("grants acknowledged through nginx by A")
                        .anyMatch(Traffic.Outcome::acknowledgedGrant);
                assertThat(outcomes.subList(afterStop, outcomes.size())).as("grants acknowledged through nginx by B")
                        .anyMatch(Traffic.Outcome::acknowledgedGrant);
                assertThat(outcomes).as("relay calls through nginx").anyMatch(o -> o.kind().equals("relay"));
                List<Traffic.Outcome> grants = outcomes.stream().filter(Traffic.Outcome::acknowledgedGrant).toList();
                for (Traffic.Outcome o : grants) {
                    b.http.awaitGrant(o.answer().field("grantId"), ApiClient::isFinal, Duration.ofSeconds(60));
                }
                PaymentAudit.Summary summary = PaymentAudit.verify(chain, new LedgerFile(dir),
                        grants.stream().map(o -> o.answer().field("grantId")).toList(),
                        outcomes.stream().filter(o -> o.kind().equals("faucet")).map(Traffic.Outcome::recipient).toList(),
                        Wei.ofDyt("10").value());
                System.out.printf("zero-downtime drill through nginx: %d requests (%d relay), %d grants acknowledged, "
                                + "%d confirmed, %d gap fillers, faucet nonce %d%n", outcomes.size(),
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
