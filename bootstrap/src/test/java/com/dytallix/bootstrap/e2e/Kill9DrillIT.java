package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LedgerFile;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.Recipients;
import com.dytallix.bootstrap.testing.ServerProcess;
import com.dytallix.domain.Wei;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash drill: the server process is killed with SIGKILL at random moments under load and
 * restarted on the same database and key. Afterwards the ledger and the chain must agree: every
 * grant a client was told about is paid exactly once, nobody is paid without a confirmed grant,
 * and every transaction the faucet sent is accounted for. A reorg phase then replaces the blocks
 * of some confirmed payments while the server is dead: after the restart each is paid again once.
 */
class Kill9DrillIT {
    private static final BigInteger DRIP = Wei.ofDyt("10").value();
    private static final int CLIENTS = 4;
    private static final int MAX_JOBS = 600;

    @TempDir
    Path dir;

    /** One faucet request as the client saw it: retried through crashes until some answer came. */
    record Job(String address, Optional<String> idempotencyKey, int attempts, Response answer) {
        /** A grant the client was promised: 200/202 for a grant that is not failed. */
        boolean acknowledged() {
            return (answer.status() == 200 || answer.status() == 202) && !"failed".equals(answer.field("status"));
        }

        /**
         * A keyed retry whose first attempt died before its transaction was signed: the replay
         * tells the truth, the grant failed and nothing was paid.
         */
        boolean toldFailed() {
            return answer.status() == 200 && "failed".equals(answer.field("status"));
        }
    }

    @Test
    void killedAtRandomUnderLoadTheServerNeverLosesOrDoublesAPayment() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1)) {
            Chain chain = new Chain(anvil);
            int port = ServerProcess.freePort();
            Map<String, String> settings = LiveServer.unlimitedSettingsFor(anvil, Map.of("RATE_LIMIT_PER_ADDRESS_PER_DAY", "1",
                    // a killed payer's lease runs out before its successor pays; kept short so the drill stays short
                    "PAYER_LEASE_MS", "3000", "STATUS_REFRESH_MS", "500", "LOG_LEVEL", "info",
                    // many answers come before their send is answered (202), so kills also fall between the answer and the send
                    "FAUCET_SEND_WAIT_MS", "5"));
            List<Job> jobs = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            ServerProcess server = ServerProcess.start(dir, port, settings);
            try {
                String base = server.http.base();
                AtomicInteger started = new AtomicInteger();
                List<Job> done = Collections.synchronizedList(jobs);
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    // daemons: should the drill fail half-way, a client retrying against a dead server must not hold the JVM
                    clients.add(Thread.ofPlatform().name("client-" + c).daemon(true).start(() -> {
                        try (ApiClient client = new ApiClient(base)) {
                            for (int n = started.incrementAndGet(); !stop.get() && n <= MAX_JOBS; n = started.incrementAndGet()) {
                                // every other request carries an Idempotency-Key, so its retries are replays
                                Optional<String> key = n % 2 == 0 ? Optional.of(UUID.randomUUID().toString()) : Optional.empty();
                                done.add(untilAnswered(client, Recipients.fresh(), key));
                                Thread.sleep(ThreadLocalRandom.current().nextInt(100, 200));
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
                }
                int kills = ThreadLocalRandom.current().nextInt(3, 6);
                for (int k = 0; k < kills; k++) {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(1500, 4000));
                    server.kill9();
                    server = ServerProcess.start(dir, port, settings);
                }
                Thread.sleep(1500);
                stop.set(true);
                for (Thread t : clients) {
                    t.join(Duration.ofSeconds(60));
                }

                List<Job> acked = jobs.stream().filter(Job::acknowledged).toList();
                assertThat(acked).as("acknowledged grants").hasSizeGreaterThan(20);
                assertThat(jobs).as("answers other than a grant, or a rate limit for a retry without a key after a lost answer")
                        .allSatisfy(j -> {
                            assertThat(j.answer().status()).isIn(200, 202, 429);
                            if (j.answer().status() == 429) {
                                assertThat(j.attempts()).isGreaterThan(1);
                                assertThat(j.idempotencyKey()).isEmpty();
                            }
                        });
                try (ApiClient client = new ApiClient(base)) {
                    for (Job j : acked) {
                        client.awaitGrant(j.answer().field("grantId"), ApiClient::isFinal, Duration.ofSeconds(30));
                    }
                    // a keyed request sent again after all the crashes is the same grant
                    for (Job j : acked.stream().filter(j -> j.idempotencyKey().isPresent()).limit(10).toList()) {
                        Response replay = client.drip(j.address(), j.idempotencyKey(), false);
                        assertThat(replay.field("grantId")).isEqualTo(j.answer().field("grantId"));
                    }
                }
                server = reorgPhase(chain, server, dir, port, settings, jobs);
                reconcile(chain, new LedgerFile(dir), jobs, kills);
            } finally {
                stop.set(true);
                server.close();
            }
        }
    }

    /**
     * The reorg phase: a few more payments are confirmed, then the node replaces the blocks that hold
     * them with empty ones while the server is down (killed), so it learns of the reorg only after
     * the restart. Each payment must come back exactly once; the grants join the reconciliation.
     */
    private static ServerProcess reorgPhase(Chain chain, ServerProcess server, Path dir, int port, Map<String, String> settings,
                                            List<Job> jobs) throws Exception {
        List<Job> paid = new ArrayList<>();
        long lowest = Long.MAX_VALUE;
        try (ApiClient client = new ApiClient(server.http.base())) {
            for (int i = 0; i < 4; i++) {
                Job j = untilAnswered(client, Recipients.fresh(), Optional.empty());
                assertThat(j.acknowledged()).as("reorg phase grant: %s", j.answer().body()).isTrue();
                paid.add(j);
            }
            for (Job j : paid) {
                JsonNode g = client.awaitGrant(j.answer().field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(30));
                lowest = Math.min(lowest, g.get("blockNumber").asLong());
            }
        }
        server.kill9();
        long depth = chain.replaceBlocksFrom(lowest, 1);
        for (Job j : paid) {
            assertThat(chain.balance(j.address())).as("after the reorg, %s", j.address()).isZero();
        }
        ServerProcess restarted = ServerProcess.start(dir, port, settings);
        try (ApiClient client = new ApiClient(restarted.http.base())) {
            for (Job j : paid) {
                String grantId = j.answer().field("grantId");
                Poll.eventually(Duration.ofSeconds(30), () -> client.grant(grantId).json(),
                        g -> g.get("status").asText().equals("confirmed") && chain.balance(j.address()).signum() > 0);
            }
            String metrics = client.get("/metrics").body();
            assertThat(metrics).as("dytallix_reorgs_total after the reorg").containsPattern("(?m)^dytallix_reorgs_total [1-9]");
        }
        assertThat(restarted.stdout()).as("the log names the re-opened grants")
                .contains("re-opened grants").contains(paid.getFirst().answer().field("grantId"));
        jobs.addAll(paid);
        System.out.printf("kill -9 drill, reorg phase: %d blocks replaced under %d confirmed payments, all paid again once%n",
                depth, paid.size());
        return restarted;
    }

    private static Job untilAnswered(ApiClient client, String address, Optional<String> key) throws InterruptedException {
        int attempts = 0;
        while (true) {
            attempts++;
            try {
                return new Job(address, key, attempts, client.drip(address, key, false));
            } catch (UncheckedIOException lost) {
                // the server died under this request, or is still restarting: ask again
                Thread.sleep(200);
            }
        }
    }

    private static void reconcile(Chain chain, LedgerFile ledger, List<Job> jobs, int kills) {
        String faucet = AnvilProcess.ACCOUNT_0_ADDRESS;
        List<LedgerFile.Row> grants = ledger.grants();
        Map<String, LedgerFile.Row> byId = grants.stream().collect(Collectors.toMap(LedgerFile.Row::id, g -> g));
        assertThat(grants).as("grants left unfinished").noneMatch(g -> Set.of("pending", "signed", "submitted").contains(g.status()));

        List<Job> acked = jobs.stream().filter(Job::acknowledged).toList();
        for (Job j : acked) {
            LedgerFile.Row g = byId.get(j.answer().field("grantId"));
            assertThat(g).as("acknowledged grant %s in the ledger", j.answer().field("grantId")).isNotNull();
            assertThat(g.status()).as("acknowledged grant %s, answer %s, after %d attempts (%s)", g.id(), j.answer().body(),
                    j.attempts(), g.failureReason()).isEqualTo("confirmed");
        }
        for (Job j : jobs.stream().filter(Job::toldFailed).toList()) {
            assertThat(j.idempotencyKey()).as("only a replay can answer an old failure: %s", j.answer().body()).isPresent();
            assertThat(byId.get(j.answer().field("grantId")).status()).isEqualTo("failed");
        }
        Map<String, List<LedgerFile.Row>> confirmedByAddress = grants.stream().filter(g -> g.status().equals("confirmed"))
                .collect(Collectors.groupingBy(g -> g.address().toLowerCase()));
        int paid = 0;
        for (Job j : jobs) {
            BigInteger balance = chain.balance(j.address());
            List<LedgerFile.Row> confirmed = confirmedByAddress.getOrDefault(j.address(), List.of());
            assertThat(confirmed).as("confirmed grants to %s", j.address()).hasSizeLessThanOrEqualTo(1);
            assertThat(balance).as("balance of %s", j.address()).isEqualTo(confirmed.isEmpty() ? BigInteger.ZERO : DRIP);
            paid += confirmed.size();
        }

        // every transaction the faucet ever got mined is a confirmed grant's or a gap filler
        Set<String> landed = grants.stream().filter(g -> g.status().equals("confirmed")).map(LedgerFile.Row::landedHash)
                .collect(Collectors.toSet());
        List<JsonNode> sent = chain.transactionsFrom(faucet);
        Map<String, Integer> kinds = new HashMap<>();
        for (JsonNode tx : sent) {
            String hash = tx.get("hash").asText();
            boolean filler = tx.get("to").asText().equalsIgnoreCase(faucet) && Chain.quantity(tx.get("value")).signum() == 0;
            assertThat(landed.contains(hash) || filler).as("faucet transaction %s is a grant's or a filler", hash).isTrue();
            kinds.merge(filler ? "fillers" : "grants", 1, Integer::sum);
        }
        long nonce = chain.minedNonce(faucet);
        assertThat(nonce).as("faucet nonce = its mined transactions").isEqualTo(sent.size());
        assertThat(chain.pendingNonce(faucet)).as("nothing of the faucet's left in the pool").isEqualTo(nonce);
        assertThat(kinds.getOrDefault("grants", 0)).isEqualTo(landed.size());
        System.out.printf("kill -9 drill: %d kills, %d requests, %d acknowledged, %d paid, %d confirmed grants, "
                        + "%d failed grants (%d of them replayed as failed), %d gap fillers, faucet nonce %d, "
                        + "%d retried after a lost answer, %d answered 202 (stored, the send not yet answered)%n",
                kills, jobs.size(), acked.size(), paid, landed.size(),
                grants.stream().filter(g -> g.status().equals("failed")).count(),
                jobs.stream().filter(Job::toldFailed).count(), kinds.getOrDefault("fillers", 0), nonce,
                jobs.stream().filter(j -> j.attempts() > 1).count(), jobs.stream().filter(j -> j.answer().status() == 202).count());
    }
}
