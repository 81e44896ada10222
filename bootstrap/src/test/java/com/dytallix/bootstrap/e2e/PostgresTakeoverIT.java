package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.adapters.persistence.EmbeddedPostgres;
import com.dytallix.adapters.persistence.PostgresUrl;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LedgerFile;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.PaymentAudit;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.ServerProcess;
import com.dytallix.bootstrap.testing.Traffic;
import com.dytallix.domain.Wei;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out on PostgreSQL: three instances, each in its own working directory as on its own host,
 * share one database behind a round-robin balancer under faucet load; the payer is killed with
 * SIGKILL mid-load. Another instance takes the lease over once it runs out and pays: no
 * acknowledged grant is lost, nothing is paid twice, and the faucet's nonces have no gap.
 */
class PostgresTakeoverIT {
    private static final Duration LEASE = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    @Test
    void killingThePayerMidLoadHandsPaymentToAnotherInstanceWithinTheLease() throws Exception {
        PostgresUrl db = EmbeddedPostgres.shared().newDatabase();
        String url = "postgresql://" + db.user() + "@" + db.host() + ":" + db.port() + "/" + db.database();
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1)) {
            Chain chain = new Chain(anvil);
            List<ServerProcess> servers = new ArrayList<>();
            try {
                for (String name : List.of("a", "b", "c")) {
                    servers.add(ServerProcess.start(Files.createDirectories(dir.resolve(name)), ServerProcess.freePort(), LiveServer.unlimitedSettingsFor(anvil,
                            Map.of("DATABASE_URL", url, "INSTANCE_ID", name, "PAYER_LEASE_MS", Long.toString(LEASE.toMillis()),
                                    "STATUS_REFRESH_MS", "500", "LOG_LEVEL", "info"))));
                }
                ServerProcess payer = servers.getFirst();
                assertThat(Poll.eventually(Duration.ofSeconds(10), () -> servers.get(1).http.get("/api/status").field("payer"),
                        "a"::equals)).as("the payer").isEqualTo("a");

                // the balancer: round robin over the instances it still has
                List<String> pool = new CopyOnWriteArrayList<>(servers.stream().map(s -> s.http.base()).toList());
                AtomicInteger next = new AtomicInteger();
                List<Traffic.Outcome> outcomes;
                long takeoverMillis;
                try (Traffic traffic = new Traffic(() -> pool.get(Math.floorMod(next.getAndIncrement(), pool.size())), 4, 0)) {
                    Thread.sleep(3000);
                    pool.remove(payer.http.base());
                    payer.kill9();
                    long killedAt = System.nanoTime();
                    ApiClient survivor = servers.get(1).http;
                    String successor = Poll.eventually(LEASE.multipliedBy(5), () -> survivor.get("/api/status").field("payer"),
                            p -> p != null && !p.equals("a"));
                    takeoverMillis = (System.nanoTime() - killedAt) / 1_000_000;
                    assertThat(successor).as("the payer after a was killed").isIn("b", "c");
                    Thread.sleep(3000);
                    outcomes = traffic.stop();
                }

                List<Traffic.Outcome> grants = outcomes.stream().filter(Traffic.Outcome::acknowledgedGrant).toList();
                assertThat(grants).as("grants acknowledged by the killed payer").anyMatch(o -> o.target().equals(payer.http.base()));
                assertThat(grants).as("grants acknowledged after the kill").anyMatch(o -> !o.target().equals(payer.http.base()));
                ApiClient reader = servers.get(2).http;
                for (Traffic.Outcome o : grants) {
                    reader.awaitGrant(o.answer().field("grantId"), ApiClient::isFinal, Duration.ofSeconds(60));
                }
                PaymentAudit.Summary summary = PaymentAudit.verify(chain, LedgerFile.postgres(db.host(), db.port(), db.database(), db.user()),
                        grants.stream().map(o -> o.answer().field("grantId")).toList(),
                        outcomes.stream().map(Traffic.Outcome::recipient).toList(), Wei.ofDyt("10").value());
                System.out.printf("scale-out takeover: %d requests, %d failed (in flight to the killed payer), %d grants acknowledged,"
                                + " %d confirmed, %d gap fillers, faucet nonce %d, new payer named %d ms after the kill (lease %d ms)%n",
                        outcomes.size(), outcomes.stream().filter(Traffic.Outcome::failed).count(), summary.acknowledged(),
                        summary.confirmed(), summary.fillers(), summary.faucetNonce(), takeoverMillis, LEASE.toMillis());
                assertThat(takeoverMillis).as("takeover time").isLessThan(LEASE.toMillis() + 4000);
            } finally {
                servers.forEach(ServerProcess::close);
            }
        }
    }
}
