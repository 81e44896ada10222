package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.TestAdmission;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.sync.NodeFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Crash recovery, confirmation, replacement and gap filling, each as a user would notice it. */
class GrantTrackerTest {
    private final FaucetHarness h = new FaucetHarness();

    private Grant reserve(int i) {
        return reserve(i, Instant.now());
    }

    private Grant reserve(int i, Instant at) {
        var request = TestAdmission.request(FaucetHarness.parsed(i), ClientIp.parse("10.0.0." + i), Optional.empty(),
                "hash-" + i, at);
        var r = h.ledger.reserve(request, TestAdmission.GENEROUS.of(request));
        return ((Reservation.Reserved) r).grant();
    }

    @Test
    void aGrantAdmittedBeforeACrashIsPaidOnceAfterTheRestart() {
        // admitted (it may have been answered 202) and the process died before signing it
        Grant g = reserve(1, Instant.now().minusSeconds(1));
        h.restart();
        h.tracker.reconcile();
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(g.id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(1))).hasSize(1);
        h.tracker.tick();
        assertThat(h.chain.totalPayments()).isEqualTo(1);
    }

    @Test
    void crashAfterSignAndStoreSendsTheSameBytesAfterRestart() {
        Grant g = reserve(2);
        // sign and store, then "crash" before sending
        h.chain.failSends(NodeFailure.UNREACHABLE, 1);
        h.payer.pay(g);
        Grant stored = h.ledger.find(g.id()).orElseThrow();
        assertThat(stored.status()).isEqualTo(GrantStatus.SIGNED);
        h.restart();
        h.tracker.reconcile();
        h.chain.mine();
        h.tracker.tick();
        Grant done = h.ledger.find(g.id()).orElseThrow();
        assertThat(done.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(done.landedHash()).contains(stored.txHashes().getFirst());
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(2))).hasSize(1);
    }

    @Test
    void crashAfterSendBeforeTheAnswerPaysExactlyOnce() {
        Grant g = reserve(3);
        h.payer.pay(g);
        // the ledger still says SIGNED as if the process died before recording the send
        Grant signedOnly = h.ledger.find(g.id()).orElseThrow();
        h.restart();
        h.tracker.reconcile(); // resends: the node already has it
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(g.id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(3))).hasSize(1);
        assertThat(signedOnly.txHashes()).hasSize(1);
    }

    @Test
    void crashBeforeTheReceiptConfirmsFromTheChainAfterRestart() {
        DripResult r = h.request(FaucetHarness.address(4), "10.0.0.4");
        h.chain.mine();
        h.restart();
        h.tracker.reconcile();
        Grant done = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(done.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(done.blockNumber()).isPresent();
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(4))).hasSize(1);
    }

    @Test
    void aStuckTransactionIsReplacedWithHigherFeesAndTheReplacementLands() throws Exception {
        h.withReplaceAfter(Duration.ofMillis(1));
        DripResult r = h.request(FaucetHarness.address(5), "10.0.0.5");
        Thread.sleep(5);
        h.tracker.tick(); // not mined yet: replace
        Grant replaced = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(replaced.txHashes()).hasSize(2);
        Fees first = r.grant().fees().orElseThrow();
        Fees second = replaced.fees().orElseThrow();
        assertThat(((Fees.Eip1559) second).maxFeePerGas().value().multiply(java.math.BigInteger.valueOf(1000)))
                .isGreaterThanOrEqualTo(((Fees.Eip1559) first).maxFeePerGas().value().multiply(java.math.BigInteger.valueOf(1125)));
        h.chain.mine();
        h.tracker.tick();
        Grant done = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(done.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(done.landedHash()).contains(replaced.txHashes().get(1));
        assertThat(done.txHashes()).containsExactlyElementsOf(replaced.txHashes());
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(5))).hasSize(1);
    }

    @Test
    void aRevertedPaymentFailsAndGivesTheQuotaBack() {
        h.chain.revertPaymentsTo(FaucetHarness.parsed(6));
        DripResult r = h.request(FaucetHarness.address(6), "10.0.0.6");
        h.chain.mine();
        h.tracker.tick();
        Grant failed = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(failed.status()).isEqualTo(GrantStatus.FAILED);
        assertThat(failed.failureReason().orElseThrow()).contains("reverted");
        assertThat(h.request(FaucetHarness.address(6), "10.0.0.6").grant().status()).isEqualTo(GrantStatus.SUBMITTED);
    }

    @Test
    void aDroppedTransactionWhoseNonceWasTakenFailsAndGivesTheQuotaBack() {
        DripResult r = h.request(FaucetHarness.address(8), "10.0.0.8");
        h.chain.dropFromPool(r.grant().txHashes().getFirst());
        // something else uses the same nonce
        h.chain.sendRawTransaction(h.keys.active().sign(new UnsignedTransaction(com.dytallix.application.FakeChain.CHAIN_ID,
                0, FaucetHarness.parsed(99), Wei.ZERO, 21_000, new Fees.Legacy(Wei.of(2_000_000_000L)))).rawHex());
        h.chain.mine();
        h.tracker.tick();
        Grant failed = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(failed.status()).isEqualTo(GrantStatus.FAILED);
        assertThat(failed.failureReason().orElseThrow()).contains("dropped");
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(8))).isEmpty();
    }

    @Test
    void aNonceGapLeftByALostTransactionIsFilledAndLaterGrantsLand() {
        DripResult a = h.request(FaucetHarness.address(10), "10.0.0.10");
        DripResult b = h.request(FaucetHarness.address(11), "10.0.0.11");
        assertThat(b.grant().nonce()).contains(1L);
        // A's transaction is lost and A given up on: nonce 0 is a hole under B
        h.chain.dropFromPool(a.grant().txHashes().getFirst());
        h.ledger.markFailed(a.grant().id(), "test: lost", Instant.now());
        h.restart();
        DripResult c = h.request(FaucetHarness.address(12), "10.0.0.12");
        assertThat(c.grant().nonce()).contains(0L); // the hole is reused first
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(b.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.ledger.find(c.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
    }

    @Test
    void aGapWithNoNewGrantIsFilledByTheTracker() {
        DripResult a = h.request(FaucetHarness.address(13), "10.0.0.13");
        DripResult b = h.request(FaucetHarness.address(14), "10.0.0.14");
        h.chain.dropFromPool(a.grant().txHashes().getFirst());
        h.ledger.markFailed(a.grant().id(), "test: lost", Instant.now());
        h.restart();
        h.tracker.reconcile(); // finds the hole under B and fills nonce 0 with a zero-value self transfer
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(b.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(13))).isEmpty();
    }

    @Test
    void atTheFeeCeilingTheSameBytesAreResentOncePerWaitNotOnEveryPass() throws Exception {
        h.withFeeCeiling(Wei.of(3_000_000_000L)).withReplaceAfter(Duration.ofMillis(200)); // the first price is the ceiling
        DripResult r = h.request(FaucetHarness.address(20), "10.0.0.20");
        int sends = h.chain.sendCount();
        Thread.sleep(250);
        h.tracker.tick(); // waited long enough: no room to re-price, so the same bytes go again
        h.tracker.tick();
        h.tracker.tick();
        assertThat(h.chain.sendCount()).isEqualTo(sends + 1);
        assertThat(h.ledger.find(r.grant().id()).orElseThrow().txHashes()).hasSize(1);
    }

    @Test
    void aGivenBackNonceTheChainUsedMeanwhileIsNeverSignedAgain() {
        DripResult a = h.request(FaucetHarness.address(21), "10.0.0.21");
        DripResult b = h.request(FaucetHarness.address(22), "10.0.0.22");
        h.chain.dropFromPool(a.grant().txHashes().getFirst());
        h.ledger.markFailed(a.grant().id(), "test: lost", Instant.now());
        h.restart();
        h.nonces.ensureSeeded(FaucetHarness.FAUCET);
        assertThat(h.nonces.gaps(FaucetHarness.FAUCET)).containsExactly(0L);
        // something else takes nonce 0 before the tracker runs, and both land
        h.chain.sendRawTransaction(h.keys.active().sign(new UnsignedTransaction(com.dytallix.application.FakeChain.CHAIN_ID,
                0, FaucetHarness.parsed(98), Wei.ZERO, 21_000, new Fees.Legacy(Wei.of(2_000_000_000L)))).rawHex());
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.nonces.gaps(FaucetHarness.FAUCET)).isEmpty();
        DripResult c = h.request(FaucetHarness.address(23), "10.0.0.23");
        assertThat(c.grant().nonce()).contains(2L);
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(b.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.ledger.find(c.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
    }
}
