package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.adapters.node.Secp256k1Key;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LedgerFile;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.Recipients;
import com.dytallix.domain.Wei;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reorgs and restarts on a real node: anvil reorganises its own chain ({@code anvil_reorg}) under a
 * confirmed payment, and the server is restarted in the middle of a key rotation with a stuck
 * transaction and a drain. The chain is the referee: one drip per grant, never two, never none.
 */
class ReorgAndRotationTest {
    private static final BigInteger DRIP = Wei.ofDyt("10").value();

    @TempDir
    Path dir;

    @Test
    void aReorgThatDropsAConfirmedPaymentReopensTheGrantAndPaysItExactlyOnce() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start(List.of());
             LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil,
                     Map.of("FAUCET_CONFIRMATIONS", "2")), dir)) {
            Chain chain = new Chain(anvil);
            String address = Recipients.fresh();
            Response granted = server.http.drip(address);
            assertThat(granted.status()).as("%s", granted.body()).isEqualTo(200);
            String grantId = granted.field("grantId");
            String hash = granted.field("txHash");

            // mined (anvil mines each transaction at once) but one block deep: still submitted, with its block
            JsonNode included = server.http.awaitGrant(grantId, g -> !g.get("blockNumber").isNull(), Duration.ofSeconds(30));
            assertThat(included.get("status").asText()).isEqualTo("submitted");
            assertThat(included.get("confirmations").asLong()).isEqualTo(1);
            long firstBlock = included.get("blockNumber").asLong();
            chain.mine();
            JsonNode confirmed = server.http.awaitGrant(grantId, ApiClient.status("confirmed"), Duration.ofSeconds(30));
            assertThat(confirmed.get("blockNumber").asLong()).isEqualTo(firstBlock);
            assertThat(chain.balance(address)).isEqualTo(DRIP);

            // both blocks are replaced by empty ones: the payment is gone from the chain
            chain.call("anvil_reorg", 2, List.of());
            assertThat(chain.balance(address)).isZero();
            assertThat(chain.receipt(hash).isNull()).isTrue();

            // the server notices, sends the same bytes again, and the payment lands in a new block
            JsonNode reincluded = server.http.awaitGrant(grantId,
                    g -> !g.get("blockNumber").isNull() && g.get("blockNumber").asLong() != firstBlock, Duration.ofSeconds(30));
            assertThat(reincluded.get("status").asText()).isEqualTo("submitted");
            assertThat(reorgs(server)).isEqualTo(1);
            chain.mine();
            JsonNode again = server.http.awaitGrant(grantId, ApiClient.status("confirmed"), Duration.ofSeconds(30));
            assertThat(again.get("txHash").asText()).isEqualTo(hash);
            assertThat(again.get("txHashes")).hasSize(1);
            assertThat(chain.receipt(hash).get("blockHash").asText())
                    .isEqualTo(chain.call("eth_getBlockByNumber", "0x" + Long.toHexString(again.get("blockNumber").asLong()), false)
                            .get("hash").asText());

            // a few more passes change nothing: one drip, one transaction from the faucet
            chain.mine();
            chain.mine();
            Thread.sleep(2500);
            assertThat(chain.balance(address)).isEqualTo(DRIP);
            assertThat(chain.minedNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(1);
            assertThat(server.http.grant(grantId).field("status")).isEqualTo("confirmed");
            assertThat(reorgs(server)).isEqualTo(1);
            // the re-opened grant kept its quota: the same address is still refused
            assertThat(server.http.drip(address).status()).isEqualTo(429);
        }
    }

    /**
     * A live rollback ({@code anvil_rollback}) takes the two newest blocks with four payments: two the server had
     * recorded in their block, two it may not have seen mined. anvil forgets all four (neither mined nor pooled).
     * With no block mined, the server hands the node the four stored transactions again within seconds (before,
     * the recorded ones waited for the chain to regrow past their block, the others TX_REPLACE_AFTER_MS, 30 s, and
     * were then replaced with new hashes); the next blocks pay each grant once, with the hash its user was given.
     */
    @Test
    void aRollbackThatDropsMinedPaymentsHasThemPaidAgainWithTheirOriginalHashesWithinSeconds() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withoutMining();
             LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of("FAUCET_CONFIRMATIONS", "2")), dir)) {
            Chain chain = new Chain(anvil);
            String faucet = AnvilProcess.ACCOUNT_0_ADDRESS;
            List<String> recipients = List.of(Recipients.fresh(), Recipients.fresh(), Recipients.fresh(), Recipients.fresh());
            List<Response> granted = new ArrayList<>();
            for (String address : recipients.subList(0, 2)) {
                granted.add(server.http.drip(address));
            }
            chain.mine();
            for (Response r : granted) {
                assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
                server.http.awaitGrant(r.field("grantId"), g -> !g.get("blockNumber").isNull(), Duration.ofSeconds(30));
            }
            for (String address : recipients.subList(2, 4)) {
                Response r = server.http.drip(address);
                assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
                granted.add(r);
            }
            chain.mine();
            assertThat(chain.minedNonce(faucet)).isEqualTo(4);

            chain.call("anvil_rollback", 2);
            long rolledBack = System.nanoTime();
            assertThat(chain.minedNonce(faucet)).isZero();
            // no block is mined meanwhile: the node's pool holds the four again only if the server sent them
            long pending = Poll.eventually(Duration.ofSeconds(10), () -> chain.pendingNonce(faucet), n -> n == 4);
            Duration took = Duration.ofNanos(System.nanoTime() - rolledBack);
            assertThat(pending).as("the pool holds the four transactions again").isEqualTo(4);
            assertThat(took).as("sent again within seconds").isLessThan(Duration.ofSeconds(5));

            chain.mine();
            chain.mine();
            for (Response r : granted) {
                JsonNode confirmed = server.http.awaitGrant(r.field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(30));
                assertThat(confirmed.get("txHash").asText()).as("the hash its user was given").isEqualTo(r.field("txHash"));
                assertThat(confirmed.get("txHashes")).hasSize(1);
                assertThat(chain.receipt(r.field("txHash")).get("status").asText()).isEqualTo("0x1");
            }
            for (String address : recipients) {
                assertThat(chain.balance(address)).as("paid once").isEqualTo(DRIP);
            }
            assertThat(chain.minedNonce(faucet)).as("four transactions, no filler, none twice").isEqualTo(4);
            assertThat(metric(server, "dytallix_tx_replacements_total")).isZero();
            assertThat(metric(server, "dytallix_tx_resent_total")).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void aRestartInTheMiddleOfARotationStillRepricesTheOldKeysStuckTransactionAndCompletesTheDrain() throws Exception {
        Secp256k1Key next = Secp256k1Key.generate();
        String nextAddress = next.address().value();
        try (AnvilProcess anvil = AnvilProcess.withoutMining()) {
            Map<String, String> settings = LiveServer.unlimitedSettingsFor(anvil,
                    Map.of("TX_REPLACE_AFTER_MS", "1000", "REORG_WATCH_BLOCKS", "2"));
            Chain chain = new Chain(anvil);
            String address = Recipients.fresh();
            String grantId;
            String firstHash;
            try (LiveServer server = LiveServer.start(settings, dir)) {
                Response granted = server.http.drip(address);
                assertThat(granted.status()).as("%s", granted.body()).isEqualTo(200);
                grantId = granted.field("grantId");
                firstHash = granted.field("txHash");
                Response rotated = server.http.post("/api/admin/rotate-key",
                        "{\"newKey\": \"" + next.privateKeyHex() + "\", \"drain\": true}", "Authorization", "Bearer " + LiveServer.ADMIN_TOKEN);
                assertThat(rotated.status()).as("%s", rotated.body()).isEqualTo(200);
            }
            // stopped with the old key's payment unmined and the drain not done: both are on disk
            Path retired = dir.resolve("data/faucet.key.retired-" + AnvilProcess.ACCOUNT_0_ADDRESS.toLowerCase());
            assertThat(Files.getPosixFilePermissions(retired)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(chain.receipt(firstHash).isNull()).isTrue();
            String hashAtStop = new LedgerFile(dir).grantsTo(address).getFirst().txHash();

            try (LiveServer server = LiveServer.start(settings, dir)) {
                JsonNode state = adminState(server);
                assertThat(state.get("faucetAddress").asText()).isEqualTo(nextAddress);
                assertThat(state.get("retiringKeys")).hasSize(1);
                assertThat(state.get("retiringKeys").get(0).get("address").asText()).isEqualTo(AnvilProcess.ACCOUNT_0_ADDRESS);
                assertThat(state.get("retiringKeys").get(0).get("drainTo").asText()).isEqualTo(nextAddress);

                // the old key's stuck transaction is re-priced after the restart (by the old key), then lands
                JsonNode replaced = server.http.awaitGrant(grantId, g -> !g.get("txHash").asText().equals(hashAtStop),
                        Duration.ofSeconds(30));
                assertThat(replaced.get("txHashes").get(0).asText()).isEqualTo(firstHash);
                // stored before it is sent: wait for the node to have it
                JsonNode replacement = Poll.eventually(Duration.ofSeconds(10),
                        () -> chain.transaction(replaced.get("txHash").asText()), t -> !t.isNull());
                assertThat(replacement.get("from").asText()).isEqualToIgnoringCase(AnvilProcess.ACCOUNT_0_ADDRESS);
                chain.mine();
                server.http.awaitGrant(grantId, ApiClient.status("confirmed"), Duration.ofSeconds(30));
                assertThat(chain.balance(address)).isEqualTo(DRIP);

                // then the drain moves the old balance to the new key
                BigInteger before = chain.balance(AnvilProcess.ACCOUNT_0_ADDRESS);
                Poll.eventually(Duration.ofSeconds(20), () -> {
                    chain.mine();
                    return chain.balance(nextAddress);
                }, b -> b.signum() > 0);
                assertThat(chain.balance(nextAddress)).isGreaterThan(before.subtract(Wei.ofDyt("1").value()));
                assertThat(chain.balance(AnvilProcess.ACCOUNT_0_ADDRESS)).isLessThan(Wei.ofDyt("0.01").value());

                // once drained and out of the reorg watch, the old key is forgotten, its files too
                Poll.eventually(Duration.ofSeconds(20), () -> {
                    chain.mine();
                    return adminState(server).get("retiringKeys");
                }, JsonNode::isEmpty);
                assertThat(retired).doesNotExist();
                assertThat(adminState(server).get("pendingDrains")).isEmpty();
            }
        }
    }

    private static JsonNode adminState(LiveServer server) {
        Response r = server.http.send(java.net.http.HttpRequest.newBuilder(server.http.uri("/api/admin/state"))
                .header("Authorization", "Bearer " + LiveServer.ADMIN_TOKEN).GET());
        assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
        return r.json();
    }

    private static double reorgs(LiveServer server) {
        return metric(server, "dytallix_reorgs_total");
    }

    /** A counter without labels, as /metrics exports it. */
    private static double metric(LiveServer server, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*})? ([0-9.eE+]+)$").matcher(server.http.get("/metrics").body());
        assertThat(m.find()).as("%s is exported", name).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
