package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.Recipients;
import com.dytallix.domain.Wei;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many requests at the same moment against a real node: nonces, quotas and payments stay exact. */
class ConcurrentGrantsTest {
    private static final BigInteger DRIP = Wei.ofDyt("10").value();

    @TempDir
    Path dir;

    @Test
    void twoHundredGrantsAtOnceUseTwoHundredConsecutiveNoncesAndPayEveryoneOnce() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start(List.of());
             LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of()), dir)) {
            Chain chain = new Chain(anvil);
            List<String> addresses = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                addresses.add(Recipients.fresh());
            }
            List<Response> answers = all(addresses.size(), i -> server.http.drip(addresses.get(i)));

            // 200 once the node took the transaction; 202 when it was stored but the node was too busy to take it
            // right then (it is sent by the tracker): both are promises that must end confirmed
            assertThat(answers).allSatisfy(a -> assertThat(a.status()).as("answer %s", a.body()).isIn(200, 202));
            Set<String> grantIds = new HashSet<>();
            for (Response a : answers) {
                grantIds.add(a.field("grantId"));
            }
            assertThat(grantIds).hasSize(200);
            Set<String> hashes = new HashSet<>();
            for (JsonNode grant : awaitAllConfirmed(server, chain, grantIds)) {
                hashes.add(grant.get("txHash").asText());
            }
            assertThat(hashes).hasSize(200);

            // 200 transactions with nonces 0..199: none shared, none skipped, none stuck in the pool
            assertThat(chain.minedNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(200);
            assertThat(chain.pendingNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(200);
            Set<Long> nonces = new HashSet<>();
            for (String hash : hashes) {
                assertThat(chain.receipt(hash).get("status").asText()).isEqualTo("0x1");
                nonces.add(Chain.quantity(chain.transaction(hash).get("nonce")).longValueExact());
            }
            assertThat(nonces).hasSize(200).allSatisfy(n -> assertThat(n).isBetween(0L, 199L));
            for (String address : addresses) {
                assertThat(chain.balance(address)).as("balance of %s", address).isEqualTo(DRIP);
            }
        }
    }

    @Test
    void fiftyIdenticalRequestsAtOnceMakeOneGrantAndOnePayment() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start(List.of());
             LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of("RATE_LIMIT_PER_ADDRESS_PER_DAY", "1")), dir)) {
            Chain chain = new Chain(anvil);
            String address = Recipients.fresh();
            List<Response> answers = all(50, i -> server.http.drip(address));

            List<Response> granted = answers.stream().filter(a -> a.status() == 200 || a.status() == 202).toList();
            List<Response> refused = answers.stream().filter(a -> a.status() == 429).toList();
            assertThat(granted).hasSize(1);
            assertThat(refused).hasSize(49).allSatisfy(a -> {
                assertThat(a.field("code")).isEqualTo("RATE_LIMIT");
                assertThat(a.json().get("details").get("scope").asText()).isEqualTo("address");
            });
            server.http.awaitGrant(granted.getFirst().field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(30));
            assertThat(chain.minedNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(1);
            assertThat(chain.balance(address)).isEqualTo(DRIP);
        }
    }

    @Test
    void thirtyRequestsOfOneClientAtOnceGetExactlyItsQuotaAndEachIsPaidOnce() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start(List.of());
             LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of("RATE_LIMIT_PER_IP_PER_DAY", "10")), dir)) {
            Chain chain = new Chain(anvil);
            List<String> addresses = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                addresses.add(Recipients.fresh());
            }
            List<Response> answers = all(addresses.size(), i -> server.http.drip(addresses.get(i)));

            List<String> granted = new ArrayList<>();
            Set<String> grantIds = new HashSet<>();
            for (int i = 0; i < answers.size(); i++) {
                Response a = answers.get(i);
                if (a.status() == 200 || a.status() == 202) {
                    granted.add(addresses.get(i));
                    grantIds.add(a.field("grantId"));
                } else {
                    assertThat(a.status()).as("answer %s", a.body()).isEqualTo(429);
                    assertThat(a.json().get("details").get("scope").asText()).isEqualTo("ip");
                }
            }
            assertThat(granted).hasSize(10);
            awaitAllConfirmed(server, chain, grantIds);
            assertThat(chain.minedNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(10);
            for (String address : addresses) {
                assertThat(chain.balance(address)).as("balance of %s", address)
                        .isEqualTo(granted.contains(address) ? DRIP : BigInteger.ZERO);
            }
        }
    }

    /**
     * Waits for every grant to be confirmed, all together, with a deadline for a loaded machine (slow
     * is not wrong; stuck is). If some never get there, the failure shows each with its nonce and
     * the chain's nonces, so a nonce nobody sends (everything after it waits in the node's pool) is
     * told apart from a tracker that is merely behind.
     */
    private static List<JsonNode> awaitAllConfirmed(LiveServer server, Chain chain, Set<String> grantIds) throws InterruptedException {
        Map<String, JsonNode> last = new java.util.HashMap<>();
        Poll.eventually(Duration.ofSeconds(120), () -> {
            for (String id : grantIds) {
                if (last.get(id) == null || !ApiClient.status("confirmed").test(last.get(id))) {
                    last.put(id, server.http.grant(id).json());
                }
            }
            return last;
        }, grants -> grants.values().stream().allMatch(ApiClient.status("confirmed")));
        // lowest nonce first, those the node does not know before all (a log cut short shows the cause, not the queue)
        TreeMap<Long, List<String>> byNonce = new TreeMap<>();
        last.forEach((id, grant) -> {
            if (!ApiClient.status("confirmed").test(grant)) {
                String hash = grant.path("txHash").asText(null);
                JsonNode tx = hash == null ? null : chain.transaction(hash);
                long nonce = tx == null || tx.isNull() ? -1 : Chain.quantity(tx.get("nonce")).longValueExact();
                byNonce.computeIfAbsent(nonce, n -> new ArrayList<>())
                        .add(grant + " nonce " + (nonce < 0 ? "unknown to the node" : nonce));
            }
        });
        List<String> stuck = byNonce.values().stream().flatMap(List::stream).toList();
        assertThat(stuck).as("grants not confirmed within 120 s; the node has mined the nonces below %d, and with its pool those below %d",
                chain.minedNonce(AnvilProcess.ACCOUNT_0_ADDRESS), chain.pendingNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEmpty();
        return List.copyOf(last.values());
    }

    @FunctionalInterface
    interface Call {
        Response run(int i) throws Exception;
    }

    /** Runs {@code n} calls released together on their own threads; returns the answers in order. */
    static List<Response> all(int n, Call call) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Response>> futures = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(threads.submit(() -> {
                    start.await();
                    return call.run(index);
                }));
            }
            start.countDown();
            List<Response> answers = new ArrayList<>();
            for (Future<Response> f : futures) {
                answers.add(f.get());
            }
            return answers;
        }
    }
}
