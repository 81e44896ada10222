package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.adapters.node.Secp256k1Key;
import com.dytallix.bootstrap.e2e.FaucetClient.Answer;
import com.dytallix.domain.Wei;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A faucet account running dry on a real node, by the server's own check and by the node's refusal. */
class FaucetFundsTest {
    private static final BigInteger DRIP = Wei.ofDyt("10").value();

    @TempDir
    Path dir;

    @Test
    void aFaucetWithoutFundsRefusesWith503GivesTheQuotaBackAndPaysAgainOnceToppedUp() throws Exception {
        Secp256k1Key key = Secp256k1Key.generate();
        String faucetAddress = key.address().value();
        AnvilProcess anvil = AnvilProcess.start(List.of());
        new Chain(anvil).setBalance(faucetAddress, Wei.ofDyt("15").value());
        try (LiveFaucet faucet = LiveFaucet.start(anvil, dir, Map.of("FAUCET_PRIVATE_KEY", key.privateKeyHex(),
                "FAUCET_MIN_BALANCE", "0", "RATE_LIMIT_PER_ADDRESS_PER_DAY", "1"))) {
            LedgerFile ledger = new LedgerFile(faucet.dbFile());
            Answer first = faucet.client.drip(Recipients.fresh(), Optional.empty(), true);
            assertThat(first.status()).as("%s", first.body()).isEqualTo(200);
            assertThat(first.text("status")).isEqualTo("confirmed");

            // about 5 DYT left, and the server knows it: refused before anything is signed
            awaitFaucetBalanceBelow(faucet, Wei.ofDyt("10"));
            String refusedEarly = Recipients.fresh();
            Answer early = faucet.client.drip(refusedEarly);
            assertThat(early.status()).isEqualTo(503);
            assertThat(early.text("code")).isEqualTo("INSUFFICIENT_BALANCE");
            assertThat(ledger.grantsTo(refusedEarly)).isEmpty();

            // enough for the drip by the server's count but not for drip plus gas: the node refuses
            faucet.chain.setBalance(faucetAddress, Wei.ofDyt("10.00001").value());
            awaitFaucetBalanceAtLeast(faucet, Wei.ofDyt("10"));
            String refusedByNode = Recipients.fresh();
            Optional<String> retryKey = Optional.of("funds-" + refusedByNode);
            Answer byNode = faucet.client.drip(refusedByNode, retryKey, false);
            assertThat(byNode.status()).as("%s", byNode.body()).isEqualTo(503);
            assertThat(byNode.text("code")).isEqualTo("INSUFFICIENT_BALANCE");
            assertThat(ledger.grantsTo(refusedByNode)).singleElement().satisfies(g -> {
                assertThat(g.status()).isEqualTo("failed");
                assertThat(g.failureReason()).startsWith("insufficient funds");
            });
            // the client retries with its key (say the 503 was lost): never told "accepted, will be sent"
            Answer replayed = faucet.client.drip(refusedByNode, retryKey, false);
            assertThat(replayed.status()).as("%s", replayed.body()).isNotEqualTo(202);
            assertThat(replayed.text("status")).isEqualTo("failed");
            // the refused nonce was given back: the next payment is not stuck behind a hole
            long noncesUsed = faucet.chain.minedNonce(faucetAddress);

            faucet.chain.setBalance(faucetAddress, Wei.ofDyt("1000").value());
            for (String address : List.of(refusedEarly, refusedByNode)) {
                Answer paid = dripWhenFunded(faucet, address);
                assertThat(paid.status()).as("the quota of %s is back: %s", address, paid.body()).isEqualTo(200);
                faucet.client.awaitGrant(paid.text("grantId"), FaucetClient.status("confirmed"), Duration.ofSeconds(10));
                assertThat(faucet.chain.balance(address)).isEqualTo(DRIP);
            }
            assertThat(faucet.chain.minedNonce(faucetAddress)).isEqualTo(noncesUsed + 2);
        }
    }

    /** After a refusal for lack of funds the server waits for a balance read showing enough; retry until then. */
    private static Answer dripWhenFunded(LiveFaucet faucet, String address) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Answer a = faucet.client.drip(address);
            if (a.status() != 503 || System.nanoTime() > deadline) {
                return a;
            }
            Thread.sleep(100);
        }
    }

    private static void awaitFaucetBalanceBelow(LiveFaucet faucet, Wei limit) throws Exception {
        awaitFaucetBalance(faucet, b -> b.compareTo(limit.value()) < 0);
    }

    private static void awaitFaucetBalanceAtLeast(LiveFaucet faucet, Wei limit) throws Exception {
        awaitFaucetBalance(faucet, b -> b.compareTo(limit.value()) >= 0);
    }

    private static void awaitFaucetBalance(LiveFaucet faucet, Predicate<BigInteger> wanted) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            String wei = faucet.client.get("/api/status").text("faucetBalanceWei");
            if (wei != null && wanted.test(new BigInteger(wei))) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the status never showed the expected faucet balance; last " + wei);
            }
            Thread.sleep(100);
        }
    }
}
