package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LedgerFile;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.PaymentAudit;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.ServerProcess;
import com.dytallix.bootstrap.testing.Traffic;
import com.dytallix.domain.Wei;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fencing drill: the payer is frozen with SIGSTOP while it pays under load, until its lease has
 * run out; the other instance takes the lease over and pays; then the frozen payer is thawed with
 * SIGCONT. It must notice at once that it is no longer the payer and sign or send nothing more:
 * nothing is paid twice, no acknowledged grant is lost, the nonces have no gap.
 */
class PayerFencingIT {
    private static final Duration LEASE = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    /**
     * Freezes A and waits for B to take the lease over. SQLite has one writer at a time: a SIGSTOP
     * that lands inside one of A's write transactions leaves A holding the write lock, and every
     * instance's writes (B's takeover among them) wait for A to run again, as they would for any
     * process paused mid-write. Then A is thawed for a moment and frozen again, at most three times,
     * well within the busy timeout B's requests wait for the lock.
     */
    private static String frozenUntilTakenOver(ServerProcess a, ServerProcess b, String instanceB) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            a.freeze();
            String payer = Poll.eventually(LEASE.multipliedBy(2), () -> b.http.get("/api/status").field("payer"), instanceB::equals);
            if (instanceB.equals(payer) || attempt == 3) {
                return payer;
            }
            System.out.println("fencing drill: no takeover while A was frozen (A held the write lock); thawed and frozen again");
            a.thaw();
            Thread.sleep(300);
        }
    }

    @Test
    void aPayerFrozenPastItsLeaseNeverPaysAgainAfterItWakes() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1)) {
            Chain chain = new Chain(anvil);
            Map<String, String> settings = LiveServer.unlimitedSettingsFor(anvil, Map.of("LOG_LEVEL", "info",
                    "STATUS_REFRESH_MS", "500", "PAYER_LEASE_MS", Long.toString(LEASE.toMillis())));
            try (ServerProcess a = ServerProcess.start(dir, ServerProcess.freePort(), settings);
                 ServerProcess b = ServerProcess.start(dir, ServerProcess.freePort(), settings)) {
                String instanceA = a.http.get("/api/status").field("instance");
                String instanceB = b.http.get("/api/status").field("instance");
                assertThat(b.http.get("/api/status").field("payer")).isEqualTo(instanceA);
                List<Traffic.Outcome> outcomes;
                // B admits everything; A (the payer) pays it from the ledger, until it freezes
                try (Traffic traffic = new Traffic(b.http::base, 3, 0)) {
                    Thread.sleep(2500);
                    try {
                        assertThat(frozenUntilTakenOver(a, b, instanceB)).as("the payer once A's lease ran out").isEqualTo(instanceB);
                        Thread.sleep(2000);
                    } finally {
                        a.thaw();
                    }
                    Thread.sleep(4000);
                    outcomes = traffic.stop();
                }
                assertThat(a.http.get("/metrics").body()).as("A after it woke").contains("dytallix_payer_leader 0.0");
                assertThat(b.http.get("/metrics").body()).contains("dytallix_payer_leader 1.0");
                assertThat(a.http.get("/api/status").field("payer")).isEqualTo(instanceB);
                assertThat(a.stdout()).as("A noticed it lost the lease").containsPattern("lost the payer lease|was taken over");

                assertThat(outcomes).as("failed requests").filteredOn(Traffic.Outcome::failed).isEmpty();
                List<Traffic.Outcome> grants = outcomes.stream().filter(Traffic.Outcome::acknowledgedGrant).toList();
                assertThat(grants).hasSizeGreaterThan(10);
                for (Traffic.Outcome o : grants) {
                    a.http.awaitGrant(o.answer().field("grantId"), ApiClient::isFinal, Duration.ofSeconds(60));
                }
                PaymentAudit.Summary summary = PaymentAudit.verify(chain, new LedgerFile(dir),
                        grants.stream().map(o -> o.answer().field("grantId")).toList(),
                        outcomes.stream().map(Traffic.Outcome::recipient).toList(), Wei.ofDyt("10").value());
                System.out.printf("fencing drill: %d requests, %d grants acknowledged, %d confirmed, %d gap fillers, "
                        + "faucet nonce %d%n", outcomes.size(), summary.acknowledged(), summary.confirmed(), summary.fillers(),
                        summary.faucetNonce());
            }
        }
    }
}
