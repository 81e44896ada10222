package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.adapters.node.BouncyCastleKeccak;
import com.dytallix.adapters.node.Secp256k1Key;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LedgerFile;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.Recipients;
import com.dytallix.domain.Address;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.UnsignedTransaction;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can happen to a faucet transaction on a real node after it is sent: it sits unmined, it
 * reverts, or it is dropped and its nonce used by something else. Each ends in a definite state
 * with the money accounted for.
 */
class TransactionFateTest {
    private static final BigInteger DRIP = Wei.ofDyt("10").value();
    /** PUSH1 0 PUSH1 0 REVERT: an account that refuses every payment. */
    private static final String REVERTING_CODE = "0x60006000fd";

    @TempDir
    Path dir;

    @Test
    void aStuckTransactionIsReplacedWithHigherFeesAndTheReplacementConfirms() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withoutMining();
             LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of("TX_REPLACE_AFTER_MS", "1000")), dir)) {
            Chain chain = new Chain(anvil);
            String address = Recipients.fresh();
            Response granted = server.http.drip(address);
            assertThat(granted.status()).as("%s", granted.body()).isEqualTo(200);
            String grantId = granted.field("grantId");
            String firstHash = granted.field("txHash");
            JsonNode first = chain.transaction(firstHash);

            JsonNode replaced = server.http.awaitGrant(grantId, g -> g.get("txHashes").size() >= 2, Duration.ofSeconds(30));
            assertThat(replaced.get("status").asText()).isEqualTo("submitted");
            // a replacement is recorded before it is sent (persist before send): mined before the node took it, the first
            // transaction would be the one to land, as it rightly did in a loaded CI run; mine once the node holds it
            String replacement = replaced.get("txHashes").get(1).asText();
            assertThat(Poll.eventually(Duration.ofSeconds(30), () -> chain.transaction(replacement), t -> !t.isNull()).isNull())
                    .as("the node took the replacement %s", replacement).isFalse();
            chain.mine();
            JsonNode confirmed = server.http.awaitGrant(grantId, ApiClient.status("confirmed"), Duration.ofSeconds(30));

            List<String> hashes = new ArrayList<>();
            confirmed.get("txHashes").forEach(h -> hashes.add(h.asText()));
            String landed = confirmed.get("txHash").asText();
            assertThat(hashes.getFirst()).isEqualTo(firstHash);
            assertThat(hashes).doesNotHaveDuplicates().contains(landed);
            assertThat(landed).isNotEqualTo(firstHash);
            assertThat(chain.receipt(landed).get("status").asText()).isEqualTo("0x1");
            hashes.stream().filter(h -> !h.equals(landed))
                    .forEach(h -> assertThat(chain.receipt(h).isNull()).as("receipt of replaced %s", h).isTrue());
            // the contract's minimum bump is 12.5 % on both fee fields
            JsonNode mined = chain.transaction(landed);
            for (String field : List.of("maxFeePerGas", "maxPriorityFeePerGas")) {
                BigInteger before = Chain.quantity(first.get(field));
                assertThat(Chain.quantity(mined.get(field)).multiply(BigInteger.valueOf(8)))
                        .as(field).isGreaterThanOrEqualTo(before.multiply(BigInteger.valueOf(9)));
            }
            assertThat(chain.minedNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(1);
            assertThat(chain.balance(address)).isEqualTo(DRIP);
        }
    }

    @Test
    void aReplacementTheNodeRefusesForLackOfFundsLeavesTheGrantOpenAndTheOriginalPaysItOnce() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withoutMining();
             LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of("TX_REPLACE_AFTER_MS", "1000",
                     "FAUCET_MIN_BALANCE", "0")), dir)) {
            Chain chain = new Chain(anvil);
            String address = Recipients.fresh();
            Response granted = server.http.drip(address);
            assertThat(granted.status()).as("%s", granted.body()).isEqualTo(200);
            String grantId = granted.field("grantId");
            String firstHash = granted.field("txHash");
            // enough for the transaction in the pool, not for a dearer replacement
            BigInteger maxFee = Chain.quantity(chain.transaction(firstHash).get("maxFeePerGas"));
            chain.setBalance(AnvilProcess.ACCOUNT_0_ADDRESS, DRIP.add(maxFee.multiply(BigInteger.valueOf(UnsignedTransaction.TRANSFER_GAS))));

            // a second replacement comes only once the first was refused and the grant kept open
            JsonNode refusedTwice = server.http.awaitGrant(grantId, g -> g.get("txHashes").size() >= 3 || ApiClient.isFinal(g),
                    Duration.ofSeconds(30));
            assertThat(refusedTwice.get("status").asText()).as("the first transaction may still be mined: %s", refusedTwice)
                    .isEqualTo("submitted");
            chain.mine();

            JsonNode confirmed = server.http.awaitGrant(grantId, ApiClient.status("confirmed"), Duration.ofSeconds(30));
            assertThat(confirmed.get("txHash").asText()).isEqualTo(firstHash);
            assertThat(chain.balance(address)).isEqualTo(DRIP);
            // its nonce was never handed out again: the next payment takes the next one and is mined
            chain.setBalance(AnvilProcess.ACCOUNT_0_ADDRESS, Wei.ofDyt("1000").value());
            String next = Recipients.fresh();
            Response again = server.http.drip(next);
            for (int i = 0; i < 50 && again.status() == 503; i++) { // until a balance read sees the funds
                Thread.sleep(200);
                again = server.http.drip(next);
            }
            assertThat(again.status()).as("%s", again.body()).isEqualTo(200);
            assertThat(Chain.quantity(chain.transaction(again.field("txHash")).get("nonce")).longValueExact()).isEqualTo(1);
            chain.mine();
            server.http.awaitGrant(again.field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(30));
            assertThat(chain.balance(next)).isEqualTo(DRIP);
            assertThat(chain.minedNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(2);
        }
    }

    @Test
    void aNonceHoleMadeBehindTheServersBackIsFilledAndThePaymentsBehindItLand() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withoutMining();
             LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of()), dir)) {
            Chain chain = new Chain(anvil);
            List<String> recipients = List.of(Recipients.fresh(), Recipients.fresh(), Recipients.fresh());
            List<Response> granted = new ArrayList<>();
            for (String address : recipients) {
                Response r = server.http.drip(address);
                assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
                granted.add(r);
            }
            // the node forgets the middle payment and an operator deletes its grant by hand: its nonce is held by nothing
            String lostHash = granted.get(1).field("txHash");
            long hole = Chain.quantity(chain.transaction(lostHash).get("nonce")).longValueExact();
            chain.call("anvil_dropTransaction", lostHash);
            try (Connection db = ledger(); PreparedStatement delete = db.prepareStatement("DELETE FROM faucet_grants WHERE id = ?")) {
                delete.setString(1, granted.get(1).field("grantId"));
                assertThat(delete.executeUpdate()).isEqualTo(1);
            }

            String last = granted.get(2).field("grantId");
            JsonNode paid = null;
            for (long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos(); System.nanoTime() < deadline; ) {
                chain.mine();
                paid = server.http.grant(last).json();
                if (ApiClient.isFinal(paid)) {
                    break;
                }
                Thread.sleep(300);
            }
            assertThat(paid.get("status").asText()).as("%s", paid).isEqualTo("confirmed");
            assertThat(chain.minedNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(3);
            JsonNode filler = chain.transactionsFrom(AnvilProcess.ACCOUNT_0_ADDRESS).stream()
                    .filter(t -> Chain.quantity(t.get("nonce")).longValueExact() == hole).findFirst().orElseThrow();
            assertThat(filler.get("to").asText()).as("a zero-value transfer to itself").isEqualToIgnoringCase(AnvilProcess.ACCOUNT_0_ADDRESS);
            assertThat(Chain.quantity(filler.get("value"))).isZero();
            assertThat(chain.balance(recipients.get(0))).isEqualTo(DRIP);
            assertThat(chain.balance(recipients.get(1))).isZero();
            assertThat(chain.balance(recipients.get(2))).isEqualTo(DRIP);
        }
    }

    @Test
    void aGapFillerLeftUnminedIsRepricedAndThePaymentsBehindItLand() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withoutMining();
             LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of("TX_REPLACE_AFTER_MS", "1000")), dir)) {
            Chain chain = new Chain(anvil);
            Response lost = server.http.drip(Recipients.fresh());
            String address = Recipients.fresh();
            Response behind = server.http.drip(address);
            assertThat(List.of(lost.status(), behind.status())).as("%s %s", lost.body(), behind.body()).containsOnly(200);
            // nonce 0 becomes a hole (the node forgets it, its grant is deleted by hand): the filler put there is the
            // next transaction the chain must take, and no block comes while the server waits for one
            chain.call("anvil_dropTransaction", lost.field("txHash"));
            try (Connection db = ledger(); PreparedStatement delete = db.prepareStatement("DELETE FROM faucet_grants WHERE id = ?")) {
                delete.setString(1, lost.field("grantId"));
                assertThat(delete.executeUpdate()).isEqualTo(1);
            }

            String first = Poll.eventually(Duration.ofSeconds(60), () -> fillerHashes(0), h -> !h.isEmpty()).getFirst();
            // read while the node holds it: it is re-priced once it has waited TX_REPLACE_AFTER_MS at the chain's next nonce
            JsonNode firstFiller = Poll.eventually(Duration.ofSeconds(10), () -> chain.transaction(first), t -> !t.isNull());
            assertThat(firstFiller.isNull()).as("the node holds the filler %s", first).isFalse();
            assertThat(Poll.eventually(Duration.ofSeconds(60), () -> fillerHashes(0), h -> h.size() >= 2))
                    .as("the filler at nonce 0, then its re-priced version").hasSizeGreaterThanOrEqualTo(2);
            // the first version leaves the node's pool once the node has taken a replacement: mine only then
            assertThat(Poll.eventually(Duration.ofSeconds(30), () -> chain.transaction(first), JsonNode::isNull).isNull())
                    .as("the node took a replacement of %s", first).isTrue();
            JsonNode paid = null;
            for (long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos(); System.nanoTime() < deadline; ) {
                chain.mine();
                paid = server.http.grant(behind.field("grantId")).json();
                if (ApiClient.isFinal(paid)) {
                    break;
                }
                Thread.sleep(300);
            }

            assertThat(paid.get("status").asText()).as("%s", paid).isEqualTo("confirmed");
            assertThat(chain.balance(address)).isEqualTo(DRIP);
            JsonNode filler = chain.transactionsFrom(AnvilProcess.ACCOUNT_0_ADDRESS).stream()
                    .filter(t -> Chain.quantity(t.get("nonce")).longValueExact() == 0).findFirst().orElseThrow();
            assertThat(filler.get("to").asText()).isEqualToIgnoringCase(AnvilProcess.ACCOUNT_0_ADDRESS);
            assertThat(Chain.quantity(filler.get("value"))).isZero();
            assertThat(fillerHashes(0)).as("mined: one of its versions, not the first").contains(filler.get("hash").asText())
                    .first().isNotEqualTo(filler.get("hash").asText());
            for (String field : List.of("maxFeePerGas", "maxPriorityFeePerGas")) {
                assertThat(Chain.quantity(filler.get(field)).multiply(BigInteger.valueOf(8))).as(field)
                        .isGreaterThanOrEqualTo(Chain.quantity(firstFiller.get(field)).multiply(BigInteger.valueOf(9)));
            }
        }
    }

    /** The ledger's database, opened beside the running server. */
    private Connection ledger() throws SQLException {
        Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(LedgerFile.DB_PATH));
        db.createStatement().execute("PRAGMA busy_timeout = 10000");
        return db;
    }

    /** Every hash the internal transfer of the faucet's key at {@code nonce} was sent under, oldest first; empty while there is none. */
    private List<String> fillerHashes(long nonce) {
        try (Connection db = ledger(); PreparedStatement read = db.prepareStatement(
                "SELECT replaced_hashes, tx_hash FROM internal_transfers WHERE nonce = ? AND kind = 'gap_filler'")) {
            read.setLong(1, nonce);
            List<String> hashes = new ArrayList<>();
            try (ResultSet row = read.executeQuery()) {
                if (row.next()) {
                    String before = row.getString(1);
                    if (before != null) {
                        hashes.addAll(List.of(before.split(" ")));
                    }
                    hashes.add(row.getString(2));
                }
            }
            return hashes;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aRevertedTransactionFailsTheGrantAndGivesTheQuotaBack() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start(List.of());
             LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of("RATE_LIMIT_PER_ADDRESS_PER_DAY", "1")), dir)) {
            Chain chain = new Chain(anvil);
            String address = Recipients.fresh();
            chain.setCode(address, REVERTING_CODE);
            Response refusedOnChain = server.http.drip(address);
            assertThat(refusedOnChain.status()).as("%s", refusedOnChain.body()).isEqualTo(200);

            JsonNode failed = server.http.awaitGrant(refusedOnChain.field("grantId"), ApiClient.status("failed"), Duration.ofSeconds(30));
            assertThat(failed.get("failureReason").asText()).contains("reverted");
            assertThat(chain.receipt(failed.get("txHash").asText()).get("status").asText()).isEqualTo("0x0");
            assertThat(chain.balance(address)).isZero();

            chain.setCode(address, "0x");
            Response again = server.http.drip(address);
            assertThat(again.status()).as("the failed grant's quota is back: %s", again.body()).isEqualTo(200);
            server.http.awaitGrant(again.field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(30));
            assertThat(chain.balance(address)).isEqualTo(DRIP);
            // the reverted transaction used nonce 0, the payment nonce 1: no nonce was handed out twice
            assertThat(chain.minedNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(2);
        }
    }

    @Test
    void aDroppedTransactionWhoseNonceWasUsedElsewhereFailsTheGrantWithoutPaying() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withoutMining();
             LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of("RATE_LIMIT_PER_ADDRESS_PER_DAY", "1")), dir)) {
            Chain chain = new Chain(anvil);
            String address = Recipients.fresh();
            Response granted = server.http.drip(address);
            assertThat(granted.status()).as("%s", granted.body()).isEqualTo(200);
            String hash = granted.field("txHash");
            long nonce = Chain.quantity(chain.transaction(hash).get("nonce")).longValueExact();

            chain.call("anvil_dropTransaction", hash);
            // someone else holding the faucet key spends the nonce (an operator, a second server)
            Secp256k1Key faucetKey = Secp256k1Key.fromHex(AnvilProcess.ACCOUNT_0_KEY);
            Address elsewhere = Address.parse(Recipients.fresh(), BouncyCastleKeccak.INSTANCE);
            String other = faucetKey.sign(new UnsignedTransaction(AnvilProcess.CHAIN_ID, nonce, elsewhere, Wei.of(1),
                    UnsignedTransaction.TRANSFER_GAS, new Fees.Eip1559(Wei.ofDyt("0.00000001"), Wei.ofDyt("0.000000001")))).rawHex();
            chain.call("eth_sendRawTransaction", other);
            chain.mine();

            JsonNode failed = server.http.awaitGrant(granted.field("grantId"), ApiClient.status("failed"), Duration.ofSeconds(30));
            assertThat(failed.get("failureReason").asText()).startsWith("dropped");
            assertThat(chain.receipt(hash).isNull()).isTrue();
            assertThat(chain.balance(address)).isZero();

            Response again = server.http.drip(address);
            assertThat(again.status()).as("the failed grant's quota is back: %s", again.body()).isEqualTo(200);
            chain.mine();
            server.http.awaitGrant(again.field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(30));
            assertThat(chain.balance(address)).isEqualTo(DRIP);
            assertThat(chain.minedNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(nonce + 2);
        }
    }
}
