package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.adapters.persistence.EmbeddedPostgres;
import com.dytallix.adapters.persistence.PostgresUrl;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.Recipients;
import com.dytallix.domain.Wei;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three servers on one PostgreSQL database (DATABASE_URL), each in its own working directory as on
 * its own host: every one admits, one pays, quotas hold across all of them, and the payer role
 * moves when the payer stops.
 */
class PostgresInstancesTest {
    private static final java.math.BigInteger DRIP = Wei.ofDyt("10").value();

    @TempDir
    Path dir;

    @Test
    void threeInstancesOnOneDatabaseAdmitEverywhereQuotaOnceAndPayOnce() throws Exception {
        PostgresUrl db = EmbeddedPostgres.shared().newDatabase();
        String url = "postgresql://" + db.user() + "@" + db.host() + ":" + db.port() + "/" + db.database();
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1)) {
            Chain chain = new Chain(anvil);
            List<LiveServer> servers = new ArrayList<>();
            try {
                for (String name : List.of("a", "b", "c")) {
                    servers.add(LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of(
                            "DATABASE_URL", url, "INSTANCE_ID", name, "PAYER_LEASE_MS", "3000")), dir.resolve(name)));
                }
                for (LiveServer s : servers) {
                    assertThat(Poll.eventually(Duration.ofSeconds(10), () -> s.http.get("/api/status").field("payer"),
                            "a"::equals)).as("the payer named by every instance").isEqualTo("a");
                    assertThat(s.http.get("/readyz").status()).isEqualTo(200);
                }
                assertThat(servers.get(1).http.get("/metrics").body()).contains("dytallix_payer_leader 0.0");

                // 50 identical requests spread over the three instances: one grant
                String address = Recipients.fresh();
                ExecutorService pool = Executors.newFixedThreadPool(25);
                List<Response> answers = new ArrayList<>();
                try {
                    CountDownLatch go = new CountDownLatch(1);
                    List<Future<Response>> sent = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        ApiClient client = servers.get(i % 3).http;
                        sent.add(pool.submit(() -> {
                            go.await();
                            return client.drip(address);
                        }));
                    }
                    go.countDown();
                    for (Future<Response> f : sent) {
                        answers.add(f.get());
                    }
                } finally {
                    pool.shutdownNow();
                }
                List<Response> granted = answers.stream().filter(r -> r.status() == 200 || r.status() == 202).toList();
                assertThat(granted).as("grants among 50 identical requests").hasSize(1);
                assertThat(answers).filteredOn(r -> r.status() == 429).hasSize(49);
                servers.get(2).http.awaitGrant(granted.getFirst().field("grantId"), ApiClient.status("confirmed"),
                        Duration.ofSeconds(30));
                assertThat(chain.balance(address)).isEqualTo(DRIP);

                // admitted by a non-payer, paid by the payer, confirmed as seen from a third instance
                String other = Recipients.fresh();
                Response viaB = servers.get(1).http.drip(other, Optional.empty(), true);
                assertThat(viaB.status()).as(viaB.body()).isEqualTo(200);
                assertThat(viaB.field("status")).isEqualTo("confirmed");
                assertThat(servers.get(2).http.grant(viaB.field("grantId")).field("status")).isEqualTo("confirmed");

                // the payer stops: another instance takes over at once and pays
                servers.removeFirst().close();
                String next = Poll.eventually(Duration.ofSeconds(15), () -> servers.get(0).http.get("/api/status").field("payer"),
                        p -> p != null && !p.equals("a"));
                assertThat(next).isIn("b", "c");
                String third = Recipients.fresh();
                Response viaC = servers.get(1).http.drip(third, Optional.empty(), true);
                assertThat(viaC.field("status")).as(viaC.body()).isEqualTo("confirmed");
                assertThat(chain.balance(third)).isEqualTo(DRIP);
                assertThat(chain.pendingNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(chain.minedNonce(AnvilProcess.ACCOUNT_0_ADDRESS))
                        .isEqualTo(3);
            } finally {
                servers.forEach(LiveServer::close);
            }
        }
    }

    /**
     * A request admitted by an instance that is not the payer is answered once the payer has sent its grant, not at
     * the next look of either at the ledger: the admitting instance tells the payer, and the payer tells it, through
     * the database's notices. Before, the payer looked every 100 ms for grants at least 100 ms old and the
     * requesting instance read the ledger every 50 ms, so no such answer came sooner than 100 ms after the
     * reservation; now each of them follows the node's own pace.
     */
    @Test
    void aNonPayersRequestIsAnsweredAsSoonAsThePayerHasSentItsGrant() throws Exception {
        PostgresUrl db = EmbeddedPostgres.shared().newDatabase();
        String url = "postgresql://" + db.user() + "@" + db.host() + ":" + db.port() + "/" + db.database();
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1)) {
            Chain chain = new Chain(anvil);
            List<LiveServer> servers = new ArrayList<>();
            try {
                for (String name : List.of("a", "b")) {
                    servers.add(LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of(
                            "DATABASE_URL", url, "INSTANCE_ID", name)), dir.resolve(name)));
                }
                ApiClient nonPayer = servers.get(1).http;
                assertThat(Poll.eventually(Duration.ofSeconds(10), () -> nonPayer.get("/api/status").field("payer"), "a"::equals))
                        .isEqualTo("a");
                assertThat(nonPayer.drip(Recipients.fresh()).status()).as("a first request, to warm both up").isIn(200, 202);

                List<Long> millis = new ArrayList<>();
                List<String> recipients = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    String to = Recipients.fresh();
                    long start = System.nanoTime();
                    Response answer = nonPayer.drip(to);
                    millis.add((System.nanoTime() - start) / 1_000_000);
                    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
                    assertThat(answer.field("status")).as("200 only for a grant the node took").isEqualTo("submitted");
                    assertThat(answer.field("txHash")).startsWith("0x");
                    recipients.add(to);
                }
                assertThat(millis.stream().mapToLong(Long::longValue).min().orElseThrow())
                        .as("the fastest of 8 answers at the instance that is not the payer, in ms: %s", millis).isLessThan(100);
                for (String to : recipients) {
                    assertThat(Poll.eventually(Duration.ofSeconds(30), () -> chain.balance(to), DRIP::equals)).isEqualTo(DRIP);
                }
            } finally {
                servers.forEach(LiveServer::close);
            }
        }
    }
}
