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

            // nothing paid twice, nothing filled: one transaction from the faucet on the new chain
            chain.mine();
            Thread.sleep(2500);
            chain.mine();
            assertThat(chain.minedNonce(FAUCET)).isEqualTo(1);
            assertThat(chain.pendingNonce(FAUCET)).isEqualTo(1);
            assertThat(chain.balance(fresh)).isEqualTo(DRIP);
            for (String address : List.of(confirmed, included, sent)) {
                assertThat(chain.balance(address)).as(address).isZero();
            }
            assertThat(Poll.eventually(Duration.ofSeconds(10), () -> server.http.get("/metrics").body(),
                    m -> m.contains("dytallix_chain_reset 0.0"))).contains("dytallix_chain_reset 0.0");
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
            assertThat(chain.minedNonce(FAUCET)).as("the four new grants, from nonce 0, nothing else").isEqualTo(4);
            assertThat(chain.pendingNonce(FAUCET)).isEqualTo(4);
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
