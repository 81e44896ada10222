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
        try (AnvilProcess anvil = AnvilProcess.start(List.of())) {
            Chain chain = new Chain(anvil);
            chain.setBalance(faucetAddress, Wei.ofDyt("15").value());
            try (LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of("FAUCET_PRIVATE_KEY",
                    key.privateKeyHex(), "FAUCET_MIN_BALANCE", "0", "RATE_LIMIT_PER_ADDRESS_PER_DAY", "1")), dir)) {
                ApiClient client = server.http;
                LedgerFile ledger = new LedgerFile(dir);
                Response first = client.drip(Recipients.fresh(), Optional.empty(), true);
                assertThat(first.status()).as("%s", first.body()).isEqualTo(200);
                assertThat(first.field("status")).isEqualTo("confirmed");

                // about 5 DYT left, and the server knows it: refused before anything is signed
                awaitFaucetBalanceBelow(client, Wei.ofDyt("10"));
                String refusedEarly = Recipients.fresh();
                Response early = client.drip(refusedEarly);
                assertThat(early.status()).isEqualTo(503);
                assertThat(early.field("code")).isEqualTo("INSUFFICIENT_BALANCE");
                assertThat(ledger.grantsTo(refusedEarly)).isEmpty();

                // enough for the drip by the server's count but not for drip plus gas: the node refuses
                chain.setBalance(faucetAddress, Wei.ofDyt("10.00001").value());
                awaitFaucetBalanceAtLeast(client, Wei.ofDyt("10"));
                String refusedByNode = Recipients.fresh();
                Optional<String> retryKey = Optional.of("funds-" + refusedByNode);
                Response byNode = client.drip(refusedByNode, retryKey, false);
                assertThat(byNode.status()).as("%s", byNode.body()).isEqualTo(503);
                assertThat(byNode.field("code")).isEqualTo("INSUFFICIENT_BALANCE");
                assertThat(ledger.grantsTo(refusedByNode)).singleElement().satisfies(g -> {
                    assertThat(g.status()).isEqualTo("failed");
                    assertThat(g.failureReason()).startsWith("insufficient funds");
                });
                // the client retries with its key (say the 503 was lost): never told "accepted, will be sent"
                Response replayed = client.drip(refusedByNode, retryKey, false);
                assertThat(replayed.status()).as("%s", replayed.body()).isNotEqualTo(202);
                assertThat(replayed.field("status")).isEqualTo("failed");
                // the refused nonce was given back: the next payment is not stuck behind a hole
                long noncesUsed = chain.minedNonce(faucetAddress);

                chain.setBalance(faucetAddress, Wei.ofDyt("1000").value());
                for (String address : List.of(refusedEarly, refusedByNode)) {
                    Response paid = dripWhenFunded(client, address);
                    assertThat(paid.status()).as("the quota of %s is back: %s", address, paid.body()).isEqualTo(200);
                    client.awaitGrant(paid.field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(30));
                    assertThat(chain.balance(address)).isEqualTo(DRIP);
                }
                assertThat(chain.minedNonce(faucetAddress)).isEqualTo(noncesUsed + 2);
            }
        }
    }

    /** After a refusal for lack of funds the server waits for a balance read showing enough; retry until then. */
    private static Response dripWhenFunded(ApiClient client, String address) throws InterruptedException {
        return Poll.eventually(Duration.ofSeconds(10), () -> client.drip(address), a -> a.status() != 503);
    }

    private static void awaitFaucetBalanceBelow(ApiClient client, Wei limit) throws InterruptedException {
        awaitFaucetBalance(client, b -> b.compareTo(limit.value()) < 0);
    }

    private static void awaitFaucetBalanceAtLeast(ApiClient client, Wei limit) throws InterruptedException {
        awaitFaucetBalance(client, b -> b.compareTo(limit.value()) >= 0);
    }

    private static void awaitFaucetBalance(ApiClient client, Predicate<BigInteger> wanted) throws InterruptedException {
        Predicate<String> shown = wei -> wei != null && wanted.test(new BigInteger(wei));
        String wei = Poll.eventually(Duration.ofSeconds(10), () -> client.get("/api/status").field("faucetBalanceWei"), shown);
        if (!shown.test(wei)) {
            throw new AssertionError("the status never showed the expected faucet balance; last " + wei);
        }
    }
}
