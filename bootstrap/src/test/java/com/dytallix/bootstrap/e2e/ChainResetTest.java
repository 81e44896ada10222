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
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A testnet relaunch on real nodes: the server paid on one anvil, is stopped, and starts against a new anvil with the
 * same chain id (the faucet key funded again, its nonce 0). The new chain is the referee: nothing of the old chain's
 * business reaches it until the operator adopts it, and then each new grant is paid once, from nonce 0.
 */
class ChainResetTest {
    private static final BigInteger DRIP = Wei.ofDyt("10").value();
    private static final String FAUCET = AnvilProcess.ACCOUNT_0_ADDRESS;

    @TempDir
    Path dir;

    @Test
    void aServerStartedOnARelaunchedChainPaysNothingUntilTheOperatorAdoptsItThenPaysFromNonceZero() throws Exception {
        String confirmed = Recipients.fresh();
        String included = Recipients.fresh();
        String sent = Recipients.fresh();
        String oldGenesis;
        String confirmedId;
        String includedId;
        String sentId;
        try (AnvilProcess first = AnvilProcess.withoutMining();
             LiveServer server = LiveServer.start(settings(first), dir)) {
            Chain chain = new Chain(first);
            oldGenesis = genesis(chain);
            confirmedId = granted(server.http.drip(confirmed));
            chain.mine();
            chain.mine();
            server.http.awaitGrant(confirmedId, ApiClient.status("confirmed"), Duration.ofSeconds(30));
            includedId = granted(server.http.drip(included));
            chain.mine();
            server.http.awaitGrant(includedId, g -> !g.get("blockNumber").isNull(), Duration.ofSeconds(30));
            sentId = granted(server.http.drip(sent));
            assertThat(chain.pendingNonce(FAUCET)).isEqualTo(3);
        }

        try (AnvilProcess relaunched = AnvilProcess.withoutMining();
             LiveServer server = LiveServer.start(settings(relaunched), dir)) {
            Chain chain = new Chain(relaunched);
            String genesis = genesis(chain);
            assertThat(genesis).as("a new chain").isNotEqualTo(oldGenesis);

            String reason = "the chain was reset (genesis " + genesis + " ≠ " + oldGenesis
                    + ", the ledger's): an operator must adopt the new chain";
            assertThat(server.http.get("/api/faucet/info").json().get("pausedReason").asText()).isEqualTo(reason);
            assertThat(server.http.get("/api/status").json().get("pausedReason").asText()).isEqualTo(reason);
            Response refused = server.http.drip(Recipients.fresh());
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.json().get("details").get("reason").asText()).isEqualTo(reason);
            JsonNode ready = server.http.get("/readyz").json();
            assertThat(ready.get("status").asText()).isEqualTo("ready");
            assertThat(ready.get("checks").get("chain").asText()).contains(reason);
            assertThat(server.http.get("/metrics").body()).contains("dytallix_chain_reset 1.0");
            // several tracker passes, and blocks: nothing of the old chain is sent, re-sent or filled
            chain.mine();
            Thread.sleep(3000);
            chain.mine();
            assertThat(chain.pendingNonce(FAUCET)).as("nothing sent on the new chain").isZero();
            assertThat(chain.minedNonce(FAUCET)).isZero();
            assertThat(server.http.grant(includedId).field("status")).as("not taken for a reorg").isEqualTo("submitted");

            Response adopted = server.http.post("/api/admin/chain/adopt", "{\"genesis\": \"" + genesis + "\"}",
                    "Authorization", "Bearer " + LiveServer.ADMIN_TOKEN);
            assertThat(adopted.status()).as("%s", adopted.body()).isEqualTo(200);
            assertThat(adopted.json().get("adopted").asBoolean()).isTrue();
            assertThat(adopted.json().get("previousGenesis").asText()).isEqualTo(oldGenesis);
            assertThat(adopted.json().get("failedGrants").asInt()).isEqualTo(2);
            assertThat(adopted.json().get("paused").asBoolean()).isFalse();

            String fresh = Recipients.fresh();
            Response paid = server.http.drip(fresh);
            String freshId = granted(paid);
            assertThat(chain.transaction(paid.field("txHash")).get("nonce").asText()).isEqualTo("0x0");
            chain.mine();
            chain.mine();
            server.http.awaitGrant(freshId, ApiClient.status("confirmed"), Duration.ofSeconds(30));
            for (String id : List.of(includedId, sentId)) {
                JsonNode old = server.http.grant(id).json();
                assertThat(old.get("status").asText()).isEqualTo("failed");
                assertThat(old.get("failureReason").asText()).startsWith("the chain was reset (genesis " + oldGenesis);
            }
            assertThat(server.http.grant(confirmedId).field("status")).isEqualTo("confirmed");

            // nothing paid twice, nothing filled: the new grant, and a zero-value transfer to itself at each nonce of the
            // two grants the adoption failed with a transaction (1 and 2), in case the new node held it
            chain.mine();
            Thread.sleep(2500);
            chain.mine();
            assertThat(chain.minedNonce(FAUCET)).isEqualTo(3);
            assertThat(chain.pendingNonce(FAUCET)).isEqualTo(3);
            assertThat(chain.balance(fresh)).isEqualTo(DRIP);
            for (String address : List.of(confirmed, included, sent)) {
                assertThat(chain.balance(address)).as(address).isZero();
            }
            assertThat(Poll.eventually(Duration.ofSeconds(10), () -> server.http.get("/metrics").body(),
                    m -> m.contains("dytallix_chain_reset 0.0"))).contains("dytallix_chain_reset 0.0");
        }
    }

    /**
     * A relaunch while the server pays under load: the node is stopped and a new chain (same chain id, same port, the
     * faucet key funded again at genesis) starts in its place while requests keep coming. Until the server sees it, it
     * sends grants signed with the old chain's nonces to the new node.
     * <ul>
     *   <li><b>aged</b>: the old chain mined a hundred of the faucet's transactions first, so the new node queues the
     *       old ones far above the key's nonce 0: none of the old chain's grants is paid on the new chain (before round
     *       22, each queued one was mined once the key's nonce reached it, paying a grant recorded as failed);</li>
     *   <li><b>young</b>: the relaunch comes before the old chain's first block, so the old transactions carry the new
     *       chain's first nonces and it mines them at once: each grant so paid is recorded confirmed, paid once (before
     *       round 23, the adoption left them failed, their quota given back, though paid).</li>
     * </ul>
     * In both, an old grant the new chain pays (in the aged case only one the tracker sent again, its receipt gone
     * before the relaunch was seen) is paid once and recorded confirmed.
     * Either way, after the adoption more grants are paid than there were old nonces queued: every new grant is
     * confirmed and paid once, every old grant is confirmed where the new chain paid it and failed where it did not,
     * the key's nonces have no gap and nothing is left queued.
     */
    @ParameterizedTest
    @ValueSource(strings = {"young", "aged"})
    void aChainRelaunchedWhileTheServerPaysPaysEachGrantOnceAndLeavesNoNonceStuck(String age) throws Exception {
        boolean young = age.equals("young");
        List<String[]> before = java.util.Collections.synchronizedList(new ArrayList<>());
        AnvilProcess first = AnvilProcess.start(young ? List.of("--no-mining") : List.of("--block-time", "1"));
        int port = first.rpcUrl().getPort();
        // a small drip: on a fast machine four clients made 1,455 grants before the relaunch was seen, and at 10 DYT each
        // the faucet's 10,000 ran out on the old chain, which is not what this test is about
        BigInteger drip = Wei.ofDyt("0.01").value();
        try (LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(first, Map.of("FAUCET_CONFIRMATIONS", "1",
                "STATUS_REFRESH_MS", "1000", "FAUCET_SEND_WAIT_MS", "2000", "FAUCET_DRIP_AMOUNT", "0.01")), dir)) {
            java.util.concurrent.atomic.AtomicBoolean load = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<Thread> clients = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                clients.add(Thread.ofVirtual().start(() -> {
                    while (load.get()) {
                        String address = Recipients.fresh();
                        Response r = server.http.drip(address);
                        if (r.status() == 200 || r.status() == 202) {
                            before.add(new String[] {r.field("grantId"), address});
                        }
                    }
                }));
            }
            Poll.eventually(Duration.ofSeconds(30), before::size, n -> n >= (young ? 20 : 150));
            // aged: the old chain has mined a good part of them first, so the transactions left in its pool carry nonces
            // far above the key's nonce 0 on the new chain, as after any relaunch of a chain that paid for a while;
            // young: it mined none, and its pool holds nonce 0 on, which the new chain mines at once
            Chain oldNode = new Chain(first);
            Poll.eventually(Duration.ofSeconds(30), () -> oldNode.minedNonce(FAUCET), n -> n >= (young ? 0 : 100));
            // the old node stops mining, so its last grants are still in its pool when it goes: their bytes are what a
            // payer that has not seen the relaunch hands the new node (whether this server's own sends in the window
            // reach it depends on timing)
            oldNode.call("evm_setIntervalMining", 0);
            JsonNode unmined = Poll.eventually(Duration.ofSeconds(10),
                    () -> oldNode.call("txpool_content").get("pending").path(FAUCET.toLowerCase(java.util.Locale.ROOT)), p -> p.size() >= 3);
            List<String> window = new ArrayList<>();
            unmined.forEach(tx -> window.add(oldNode.call("eth_getRawTransactionByHash", tx.get("hash").asText()).asText()));
            first.close();
            AnvilProcess relaunched = AnvilProcess.onPort(port, AnvilProcess.CHAIN_ID, List.of("--block-time", "1"));
            try (relaunched) {
                Chain chain = new Chain(relaunched);
                for (String raw : window) {
                    // known already if the server sent it; once more if the new node dropped the first connection
                    try {
                        relaunched.rpc("eth_sendRawTransaction", "[\"" + raw + "\"]");
                    } catch (java.io.UncheckedIOException dropped) {
                        relaunched.rpc("eth_sendRawTransaction", "[\"" + raw + "\"]");
                    }
                }
                Poll.eventually(Duration.ofSeconds(15), () -> server.http.get("/api/faucet/info").json().path("pausedReason").asText(""),
                        reason -> reason.startsWith("the chain was reset"));
                // the requests in flight wait for a payer (up to 10 s) while the faucet is paused: the adoption ends them
                load.set(false);
                JsonNode queued = chain.call("txpool_content").get("queued").path(FAUCET.toLowerCase(java.util.Locale.ROOT));
                long highest = 0;
                for (java.util.Iterator<String> n = queued.fieldNames(); n.hasNext(); ) {
                    highest = Math.max(highest, Long.parseLong(n.next()));
                }
                if (young) {
                    assertThat(Poll.eventually(Duration.ofSeconds(5), () -> chain.minedNonce(FAUCET), n -> n >= window.size()))
                            .as("grants of the old chain mined on the new one before the server saw the relaunch")
                            .isGreaterThanOrEqualTo(window.size());
                } else {
                    assertThat(queued.size()).as("grants of the old chain sent to the new node before the server saw the relaunch")
                            .isPositive();
                }

                Response adopted = server.http.post("/api/admin/chain/adopt", "{\"genesis\": \"" + genesis(chain) + "\"}",
                        "Authorization", "Bearer " + LiveServer.ADMIN_TOKEN);
                assertThat(adopted.status()).as("%s", adopted.body()).isEqualTo(200);
                for (Thread c : clients) {
                    c.join();
                }

                // past every old nonce queued on the new node
                List<String> fresh = new ArrayList<>();
                List<Response> answers = new ArrayList<>();
                for (int i = 0; i <= highest + 5; i++) {
                    String address = Recipients.fresh();
                    fresh.add(address);
                    answers.add(server.http.drip(address));
                }
                List<String> ids = new ArrayList<>();
                for (Response r : answers) {
                    assertThat(r.status()).as("%s", r.body()).isIn(200, 202);
                    ids.add(r.field("grantId"));
                    server.http.awaitGrant(ids.getLast(), g -> List.of("confirmed", "failed").contains(g.get("status").asText()),
                            Duration.ofSeconds(60));
                }
                Thread.sleep(2500); // two more blocks: anything still queued behind would be mined now
                int paidOnTheNewChain = 0;
                for (String[] old : before) {
                    String status = Poll.eventually(Duration.ofSeconds(10), () -> server.http.grant(old[0]).field("status"),
                            s -> List.of("confirmed", "failed").contains(s));
                    BigInteger balance = chain.balance(old[1]);
                    // aged: a grant the old chain mined whose confirmation the server had not recorded yet may be sent
                    // again by the tracker (its receipt gone from the node it asks) before the relaunch is seen, and the
                    // new chain pays it: that is honest too, if it is paid once and recorded so
                    if (balance.signum() > 0) {
                        paidOnTheNewChain++;
                        assertThat(balance).as("grant %s of the old chain, paid on the new one: once", old[0]).isEqualTo(drip);
                        assertThat(status).as("grant %s of the old chain, paid on the new one: recorded so", old[0])
                                .isEqualTo("confirmed");
                    } else {
                        assertThat(balance).as("grant %s of the old chain (%s now)", old[0], status).isZero();
                        if (young) {
                            assertThat(status).as("grant %s of the old chain, not paid on the new one", old[0]).isEqualTo("failed");
                        }
                    }
                }
                if (young) {
                    assertThat(paidOnTheNewChain).as("the old pool's grants handed to the new node, at least").isPositive();
                }
                for (int i = 0; i < fresh.size(); i++) {
                    assertThat(server.http.grant(ids.get(i)).field("status")).isEqualTo("confirmed");
                    assertThat(chain.balance(fresh.get(i))).as("a new grant, paid once").isEqualTo(drip);
                }
                assertThat(chain.minedNonce(FAUCET)).as("no gap").isEqualTo(chain.pendingNonce(FAUCET));
                assertThat(chain.minedNonce(FAUCET)).isGreaterThan(highest);
                JsonNode pool = chain.call("txpool_status");
                assertThat(Chain.quantity(pool.get("pending")).longValue() + Chain.quantity(pool.get("queued")).longValue())
                        .as("nothing stuck").isZero();
                assertThat(Poll.eventually(Duration.ofSeconds(10), () -> server.http.get("/api/status").json().get("mempoolBacklog").asLong(),
                        b -> b == 0)).isZero();
            }
        }
    }

    /**
     * Two instances on one PostgreSQL database: the relaunch pauses both; the adoption made on the instance that does
     * not pay revokes the payer lease, the payer sees the adoption and takes the lease anew, and grants admitted on
     * either instance are paid on the new chain from nonce 0: each once, nothing of the old chain, no filler; a second
     * adoption on the other instance changes nothing.
     */
    @Test
    void twoInstancesOnPostgresqlAdoptOnceAndPayTheNewChainFromNonceZero() throws Exception {
        PostgresUrl db = EmbeddedPostgres.shared().newDatabase();
        String url = "postgresql://" + db.user() + "@" + db.host() + ":" + db.port() + "/" + db.database();
        String unmined = Recipients.fresh();
        String unminedId;
        try (AnvilProcess first = AnvilProcess.withoutMining();
             LiveServer a = LiveServer.start(onPostgres(first, url, "a"), dir.resolve("a"));
             LiveServer b = LiveServer.start(onPostgres(first, url, "b"), dir.resolve("b"))) {
            Chain chain = new Chain(first);
            List<String> paid = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                paid.add(granted(a.http.drip(Recipients.fresh())));
                chain.mine();
            }
            chain.mine();
            for (String id : paid) {
                a.http.awaitGrant(id, ApiClient.status("confirmed"), Duration.ofSeconds(30));
            }
            unminedId = granted(b.http.drip(unmined));
            assertThat(chain.pendingNonce(FAUCET)).isEqualTo(4);
        }

        try (AnvilProcess relaunched = AnvilProcess.withoutMining();
             LiveServer a = LiveServer.start(onPostgres(relaunched, url, "a"), dir.resolve("a"));
             LiveServer b = LiveServer.start(onPostgres(relaunched, url, "b"), dir.resolve("b"))) {
            Chain chain = new Chain(relaunched);
            String genesis = genesis(chain);
            for (LiveServer s : List.of(a, b)) {
                assertThat(s.http.drip(Recipients.fresh()).status()).isEqualTo(503);
            }
            String payer = Poll.eventually(Duration.ofSeconds(10), () -> a.http.get("/api/status").field("payer"), p -> !p.isEmpty());
            LiveServer other = payer.equals("a") ? b : a;

            Response adopted = other.http.post("/api/admin/chain/adopt", "{\"genesis\": \"" + genesis + "\"}",
                    "Authorization", "Bearer " + LiveServer.ADMIN_TOKEN);
            assertThat(adopted.status()).as("%s", adopted.body()).isEqualTo(200);
            assertThat(adopted.json().get("failedGrants").asInt()).isEqualTo(1);
            Response again = (other == a ? b : a).http.post("/api/admin/chain/adopt", "{\"genesis\": \"" + genesis + "\"}",
                    "Authorization", "Bearer " + LiveServer.ADMIN_TOKEN);
            assertThat(again.json().get("adopted").asBoolean()).as("once, whichever instance is asked").isFalse();

            // both admit again once they have seen the adoption (a check every STATUS_REFRESH_MS)
            List<String> fresh = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (LiveServer s : List.of(a, b, a, b)) {
                String address = Recipients.fresh();
                Response r = Poll.eventually(Duration.ofSeconds(10), () -> s.http.drip(address), x -> x.status() != 503);
                ids.add(granted(r));
                fresh.add(address);
            }
            chain.mine();
            chain.mine();
            for (String id : ids) {
                a.http.awaitGrant(id, ApiClient.status("confirmed"), Duration.ofSeconds(30));
            }
            chain.mine();
            Thread.sleep(2500);
            chain.mine();
            assertThat(chain.minedNonce(FAUCET)).as("the four new grants from nonce 0, and a transfer to itself at the failed"
                    + " grant's nonce 3").isEqualTo(5);
            assertThat(chain.pendingNonce(FAUCET)).isEqualTo(5);
            for (String address : fresh) {
                assertThat(chain.balance(address)).isEqualTo(DRIP);
            }
            assertThat(chain.balance(unmined)).isZero();
            assertThat(b.http.grant(unminedId).field("status")).isEqualTo("failed");
        }
    }

    private static Map<String, String> onPostgres(AnvilProcess anvil, String url, String instance) {
        return LiveServer.unlimitedSettingsFor(anvil, Map.of("DATABASE_URL", url, "INSTANCE_ID", instance, "PAYER_LEASE_MS", "3000",
                "FAUCET_CONFIRMATIONS", "2"));
    }

    private static Map<String, String> settings(AnvilProcess anvil) {
        return LiveServer.unlimitedSettingsFor(anvil, Map.of("FAUCET_CONFIRMATIONS", "2"));
    }

    private static String genesis(Chain chain) {
        return chain.call("eth_getBlockByNumber", "0x0", false).get("hash").asText();
    }

    private static String granted(Response r) {
        assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
        return r.field("grantId");
    }
}
