package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.application.FakeChain;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.TestClock;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.TestAdmission;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.sync.NodeFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/** Crash recovery, confirmation, replacement and gap filling, each as a user would notice it. */
class GrantTrackerTest {
    private final FaucetHarness h = new FaucetHarness();

    private Grant reserve(int i) {
        return reserve(i, Instant.now());
    }

    private Grant reserve(int i, Instant at) {
        return reserve(h, i, at);
    }

    private static Grant reserve(FaucetHarness f, int i, Instant at) {
        var request = TestAdmission.request(FaucetHarness.parsed(i), ClientIp.parse("10.0.0." + i), Optional.empty(),
                "hash-" + i, at);
        var r = f.ledger.reserve(request, TestAdmission.GENEROUS.of(request));
        return ((Reservation.Reserved) r).grant();
    }

    @Test
    void aPassReadsTheReceiptsOfANewBlockOnceInsteadOfOneReceiptPerGrant() {
        for (int i = 1; i <= 10; i++) {
            h.pay(reserve(i));
        }
        h.chain.mine();
        h.tracker.tick();
        int blocksRead = h.chain.blockReceiptCalls();
        for (int i = 11; i <= 20; i++) {
            h.pay(reserve(i));
        }
        h.chain.mine();
        h.tracker.tick();
        h.chain.mine();
        h.tracker.tick();

        assertThat(h.ledger.search(new com.dytallix.domain.grant.GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(GrantStatus.CONFIRMED), 100))).hasSize(20);
        assertThat(h.chain.totalPayments()).isEqualTo(20);
        assertThat(h.chain.receiptCalls()).as("receipts asked one by one").isZero();
        assertThat(h.chain.blockReceiptCalls() - blocksRead).as("the new block's receipts, once").isEqualTo(1);
    }

    @Test
    void aPassReadsAGrantWholeOnlyToSendRePriceOrReopenIt() {
        h.withFinality(new Finality(2, 64));
        for (int i = 1; i <= 5; i++) {
            h.pay(reserve(i));
        }
        int finds = h.ledger.finds();
        h.tracker.tick();
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.unfinishedCounts()).containsEntry(GrantStatus.SUBMITTED, 5L);
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.search(new com.dytallix.domain.grant.GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(GrantStatus.CONFIRMED), 100))).hasSize(5);
        assertThat(h.ledger.finds() - finds).as("grants read whole while waiting, mined and confirmed").isZero();

        // one that waits past the replacement time is read whole, to be re-priced
        h.withReplaceAfter(Duration.ZERO);
        Grant stuck = reserve(6);
        h.pay(stuck);
        finds = h.ledger.finds();
        h.tracker.tick();
        assertThat(h.ledger.finds() - finds).isEqualTo(1);
        assertThat(h.ledger.find(stuck.id()).orElseThrow().txHashes()).as("re-priced").hasSize(2);
    }

    @Test
    void withANodeThatAnswersNoBlocksReceiptsEachGrantsReceiptIsAskedForItself() {
        h.chain.answersBlockReceipts(false);
        for (int i = 1; i <= 3; i++) {
            h.pay(reserve(i));
        }
        h.chain.mine();
        h.chain.mine();
        h.tracker.tick();

        assertThat(h.ledger.search(new com.dytallix.domain.grant.GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(GrantStatus.CONFIRMED), 100))).hasSize(3);
        assertThat(h.chain.receiptCalls()).isEqualTo(3);
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
        h.pay(g);
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
    void bytesNoNodeCouldEverTakeFailTheGrantOnTheirResendWhileALackOfFundsOnlyHoldsIt() {
        Grant invalid = reserve(30);
        h.chain.failSends(NodeFailure.TIMEOUT, 1); // the first send may or may not have reached the node
        h.pay(invalid);
        h.chain.failSends(NodeFailure.INVALID_TRANSACTION, 1); // the bytes themselves are refused: no node has them
        h.tracker.tick();
        assertThat(h.ledger.find(invalid.id()).orElseThrow().status()).isEqualTo(GrantStatus.FAILED);

        Grant unfunded = reserve(31);
        h.chain.failSends(NodeFailure.TIMEOUT, 1);
        h.pay(unfunded);
        long nonce = h.ledger.find(unfunded.id()).orElseThrow().nonce().orElseThrow();
        h.chain.failSends(NodeFailure.INSUFFICIENT_FUNDS, 1); // the first send may be in a pool, paid for before
        h.tracker.tick();
        assertThat(h.ledger.find(unfunded.id()).orElseThrow().status()).isEqualTo(GrantStatus.SIGNED);
        assertThat(h.nonces.gaps(FaucetHarness.FAUCET)).doesNotContain(nonce);
        h.tracker.tick(); // sent again, and taken
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(unfunded.id()).orElseThrow().status()).as("the failed grant's nonce stalls nothing")
                .isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(30))).isEmpty();
    }

    @Test
    void crashAfterSendBeforeTheAnswerPaysExactlyOnce() {
        Grant g = reserve(3);
        h.pay(g);
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
    void aReplacementRefusedForGoodLeavesTheGrantHoldingItsNonceAndTheOriginalStillPaysIt() throws Exception {
        h.withReplaceAfter(Duration.ofMillis(1));
        DripResult r = h.request(FaucetHarness.address(8), "10.0.0.8");
        Grant sent = h.ledger.find(r.grant().id()).orElseThrow();
        // the faucet can pay the transaction in the pool, not the dearer replacement
        java.math.BigInteger originalCost = sent.amount().value().add(((Fees.Eip1559) sent.fees().orElseThrow()).maxFeePerGas().value()
                .multiply(java.math.BigInteger.valueOf(UnsignedTransaction.TRANSFER_GAS)));
        h.chain.setBalance(FaucetHarness.FAUCET, Wei.parse(originalCost.toString()));
        Thread.sleep(5);

        h.tracker.tick(); // replaces; the node refuses the replacement: insufficient funds

        Grant held = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(held.txHashes()).hasSize(2);
        assertThat(held.status()).as("its first transaction may still be mined").isEqualTo(GrantStatus.SUBMITTED);
        assertThat(h.nonces.gaps(FaucetHarness.FAUCET)).as("its nonce is not handed out again").isEmpty();
        h.chain.mine(); // the original is mined
        h.chain.fund(FaucetHarness.FAUCET, Wei.ofDyt("1000"));
        h.tracker.tick();
        Grant paid = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(paid.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(paid.landedHash()).contains(sent.txHashes().getFirst());
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(8))).hasSize(1);

        h.status.refresh(); // the balance read that ends the out-of-funds refusals
        DripResult next = h.request(FaucetHarness.address(9), "10.0.0.9");
        assertThat(next.grant().nonce()).as("the next payment takes the next nonce").contains(sent.nonce().orElseThrow() + 1);
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(next.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
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
        assertThat(h.ledger.find(r.grant().id()).orElseThrow().status()).as("one pass's view is not enough").isEqualTo(GrantStatus.SUBMITTED);
        h.tracker.tick();
        Grant failed = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(failed.status()).isEqualTo(GrantStatus.FAILED);
        assertThat(failed.failureReason().orElseThrow()).contains("dropped");
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(8))).isEmpty();
    }

    /**
     * A pass that sees the nonce used but no receipt yet (a block landing between its head and its nonce read, a
     * node whose state is ahead of its receipts) does not fail the grant: the next pass finds the receipt, and the
     * grant is paid once, not failed with its quota given back.
     */
    @Test
    void aPaymentWhoseReceiptOnePassDoesNotSeeIsNotTakenForDropped() {
        DripResult r = h.request(FaucetHarness.address(9), "10.0.0.9");
        h.chain.mine();
        h.chain.withholdReceipts(true);
        h.tracker.tick();
        assertThat(h.ledger.find(r.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.SUBMITTED);
        h.chain.withholdReceipts(false);
        h.tracker.tick();
        Grant landed = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(landed.status()).isIn(GrantStatus.SUBMITTED, GrantStatus.CONFIRMED);
        assertThat(landed.blockNumber()).isPresent();
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(9))).hasSize(1);
        assertThatThrownBy(() -> h.request(FaucetHarness.address(9), "10.0.0.9")).as("its quota is spent").isInstanceOf(FaucetRefusal.class);
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
    void aHoleMadeBehindTheFaucetsBackHealsWithoutARestart() {
        DripResult a = h.request(FaucetHarness.address(15), "10.0.0.15");
        DripResult b = h.request(FaucetHarness.address(16), "10.0.0.16");
        DripResult c = h.request(FaucetHarness.address(17), "10.0.0.17");
        // the node forgets B's transaction and an operator fails its grant by hand: nonce 1 is held by nothing
        h.chain.dropFromPool(b.grant().txHashes().getFirst());
        h.ledger.markFailed(b.grant().id(), "test: failed by hand", Instant.now());

        h.tracker.tick();

        assertThat(h.transfers.unsettled()).singleElement().satisfies(t -> {
            assertThat(t.nonce()).isEqualTo(1);
            assertThat(t.kind()).isEqualTo(com.dytallix.domain.payer.InternalTransfer.Kind.GAP_FILLER);
        });
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(a.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.ledger.find(c.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(16))).isEmpty();
        assertThat(h.chain.minedNonce(FaucetHarness.FAUCET)).isEqualTo(3);
        DripResult d = h.request(FaucetHarness.address(18), "10.0.0.18");
        assertThat(d.grant().nonce()).as("nothing was given out twice").contains(3L);
    }

    @Test
    void aNonceATransactionInTheNodesPoolStillHoldsIsNoHole() {
        h.request(FaucetHarness.address(21), "10.0.0.21");
        DripResult b = h.request(FaucetHarness.address(22), "10.0.0.22");
        DripResult c = h.request(FaucetHarness.address(23), "10.0.0.23");
        h.ledger.markFailed(b.grant().id(), "test: failed by hand", Instant.now()); // its transaction is still in the pool

        h.tracker.tick();

        assertThat(h.transfers.unsettled()).as("no filler competes with the pooled transaction").isEmpty();
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(c.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
    }

    @Test
    void atTheFeeCeilingTheSameBytesAreResentOncePerWaitNotOnEveryPass() throws Exception {
        // the first price is the ceiling; a wait of a second, which the two passes after the resend must not outlast
        // (with 200 ms a loaded machine's pause between them made a second resend due)
        h.withFeeCeiling(Wei.of(3_000_000_000L)).withReplaceAfter(Duration.ofSeconds(1));
        DripResult r = h.request(FaucetHarness.address(20), "10.0.0.20");
        int sends = h.chain.sendCount();
        Thread.sleep(1_050);
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

    @Test
    void aGrantStaysSubmittedWithItsBlockUntilThatBlockIsDeepEnough() {
        h.withFinality(new Finality(2, 64));
        DripResult r = h.request(FaucetHarness.address(31), "10.0.0.31");
        h.chain.mine();
        h.tracker.tick();
        Grant included = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(included.status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(included.blockNumber()).contains(h.chain.head().number());
        assertThat(included.blockHash()).isEqualTo(h.chain.header(h.chain.head().number()).map(BlockHeader::hash));

        h.chain.mine();
        h.tracker.tick();
        Grant confirmed = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(confirmed.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(confirmed.blockNumber()).isEqualTo(included.blockNumber());
    }

    @Test
    void aReorgThatDropsAConfirmedPaymentReopensTheGrantAndPaysItExactlyOnce() {
        DripResult r = h.request(FaucetHarness.address(32), "10.0.0.32");
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(r.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);

        h.chain.reorg(1, false);
        h.chain.mine(); // the new fork grows past the old height without the payment
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(32))).isEmpty();
        h.tracker.tick();

        Grant reopened = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(reopened.status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(reopened.blockNumber()).isEmpty();
        assertThat(h.telemetry.reorgs).hasValue(1);
        assertThat(h.chain.poolSize()).isEqualTo(1); // the same bytes went to the node again
        // still counted: the same address gets no second grant meanwhile
        assertThatThrownBy(() -> h.request(FaucetHarness.address(32), "10.0.0.99")).isInstanceOf(FaucetRefusal.class);

        h.chain.mine();
        h.tracker.tick();
        h.chain.mine();
        h.tracker.tick();
        Grant done = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(done.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(done.txHashes()).hasSize(1);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(32))).hasSize(1);
        assertThat(h.telemetry.reorgs).hasValue(1);
        assertThat(h.telemetry.count("confirmed")).as("confirmed twice, counted once").isEqualTo(1);
    }

    @Test
    void aReorgThatKeepsThePaymentOnTheNewForkConfirmsItInItsNewBlockWithoutPayingTwice() {
        h.withFinality(new Finality(2, 64));
        DripResult r = h.request(FaucetHarness.address(33), "10.0.0.33");
        h.chain.mine();
        h.chain.mine();
        h.tracker.tick();
        Grant first = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(first.status()).isEqualTo(GrantStatus.CONFIRMED);

        h.chain.reorg(2, true); // the orphaned payment goes back to the pool, as geth does
        h.chain.mine();
        h.chain.mine();
        h.chain.mine();
        h.tracker.tick(); // re-opened: the stored bytes are sent again, the node already has them mined
        h.tracker.tick();
        h.tracker.tick();

        Grant again = h.ledger.find(r.grant().id()).orElseThrow();
        assertThat(again.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(again.blockHash()).isPresent().isNotEqualTo(first.blockHash());
        assertThat(again.blockHash()).isEqualTo(h.chain.header(again.blockNumber().orElseThrow()).map(BlockHeader::hash));
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(33))).hasSize(1);
        assertThat(h.telemetry.reorgs).hasValue(1);
        assertThat(h.telemetry.count("confirmed")).as("confirmed twice, counted once").isEqualTo(1);
    }

    @Test
    void grantsOlderThanTheWatchAreLeftAlone() {
        h.withFinality(new Finality(1, 2));
        DripResult r = h.request(FaucetHarness.address(34), "10.0.0.34");
        h.chain.mine();
        h.tracker.tick();
        h.chain.mine();
        h.chain.mine();
        h.tracker.tick();
        int calls = h.chain.sendCount();
        // a block that deep is final for this faucet: a fork under it is not watched
        h.chain.reorg(3, false);
        h.chain.mine();
        h.chain.mine();
        h.chain.mine();
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(r.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.sendCount()).isEqualTo(calls);
        assertThat(h.telemetry.reorgs).hasValue(0);
    }

    @Test
    void aDrainWaitsForTheOldKeysLastTransactionThenMovesItsBalanceAndTheKeyIsForgotten() throws Exception {
        h.withReplaceAfter(Duration.ofMillis(1)).withFinality(new Finality(1, 2));
        DripResult stuck = h.request(FaucetHarness.address(41), "10.0.0.41");
        var next = h.keys.rotate("00".repeat(12) + "00000000000000000000000000000000000d0a1e", true, Instant.now()).newAddress();
        Thread.sleep(5);
        h.tracker.tick(); // the old key's transaction is still unmined: re-priced by the old key, no drain yet
        assertThat(h.ledger.find(stuck.grant().id()).orElseThrow().txHashes()).hasSize(2);
        assertThat(h.chain.balance(next)).isEqualTo(Wei.ZERO);
        assertThat(h.keys.retiring()).extracting(k -> k.drainTo().orElseThrow()).containsExactly(next);

        h.chain.mine();
        h.tracker.tick(); // confirmed
        assertThat(h.ledger.find(stuck.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        h.tracker.tick(); // nothing in flight: the drain is sent
        h.chain.mine();
        h.tracker.tick(); // what is left does not cover a fee: drained
        assertThat(h.chain.balance(next)).isGreaterThan(Wei.ofDyt("999000"));
        assertThat(h.keys.retiring()).extracting(k -> k.drainTo()).containsExactly(Optional.empty());
        assertThat(h.keys.byAddress(FaucetHarness.FAUCET)).isPresent(); // its payment is still watched
        h.chain.mine();
        h.tracker.tick(); // the payment's block left the watch, the drain's (a block later) not yet
        assertThat(h.keys.byAddress(FaucetHarness.FAUCET)).isPresent();
        h.chain.mine();
        h.tracker.tick(); // the drain's block left the watch too: the key is forgotten
        assertThat(h.chain.balance(FaucetHarness.FAUCET)).isLessThan(Wei.ofDyt("0.001"));
        assertThat(h.keys.retiring()).isEmpty();
        assertThat(h.keys.byAddress(FaucetHarness.FAUCET)).isEmpty();
    }

    @Test
    void aRetiringKeyIsKeptWhileItsConfirmedPaymentsAreStillWatchedForAReorg() {
        h.withFinality(new Finality(1, 3));
        DripResult paid = h.request(FaucetHarness.address(42), "10.0.0.42");
        h.chain.mine();
        h.tracker.tick();
        h.keys.rotate("00".repeat(12) + "00000000000000000000000000000000000d0a1f", false, Instant.now());
        h.tracker.tick();
        assertThat(h.keys.byAddress(FaucetHarness.FAUCET)).isPresent();
        h.chain.mine();
        h.chain.mine();
        h.chain.mine();
        h.tracker.tick(); // the payment's block left the watch: the key's last transaction is final
        assertThat(h.ledger.find(paid.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.keys.byAddress(FaucetHarness.FAUCET)).isEmpty();
        assertThat(h.keys.retiring()).isEmpty();
    }

    @Test
    void withoutAReorgTheWatchAsksForOneBlockPerPassAndADeepReorgReopensEveryGrantAboveTheFork() {
        List<Grant> grants = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            grants.add(h.request(FaucetHarness.address(50 + i), "10.0.0." + (50 + i)).grant());
            h.chain.mine();
        }
        h.tracker.tick();
        int before = h.chain.headerCalls.get();
        h.tracker.tick();
        assertThat(h.chain.headerCalls.get() - before).isEqualTo(1);

        h.chain.reorg(3, false); // the newest three payments are gone
        h.chain.mine();
        h.tracker.tick();
        assertThat(grants).extracting(g -> h.ledger.find(g.id()).orElseThrow().status())
                .containsExactly(GrantStatus.CONFIRMED, GrantStatus.CONFIRMED,
                        GrantStatus.SUBMITTED, GrantStatus.SUBMITTED, GrantStatus.SUBMITTED);
        assertThat(h.telemetry.reorgs).hasValue(1);
        h.chain.mine();
        h.tracker.tick();
        assertThat(grants).extracting(g -> h.ledger.find(g.id()).orElseThrow().status()).containsOnly(GrantStatus.CONFIRMED);
        for (int i = 0; i < 5; i++) {
            assertThat(h.chain.paymentsTo(FaucetHarness.parsed(50 + i))).hasSize(1);
        }
    }

    @Test
    void aPassThatReadsANodeBehindTheNewestPaymentsReopensNothingAndFailsNothing() {
        DripResult first = h.request(FaucetHarness.address(60), "10.0.0.60");
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(first.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        DripResult second = h.request(FaucetHarness.address(61), "10.0.0.61");
        h.chain.mine();

        // the node read by the next passes has neither block yet: it proves no reorg and no drop
        h.chain.consistentBehind = 2;
        h.tracker.tick();
        h.tracker.tick();
        assertThat(h.ledger.find(first.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.ledger.find(second.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(h.telemetry.reorgs).hasValue(0);

        h.chain.consistentBehind = 0;
        h.tracker.tick();
        assertThat(h.ledger.find(second.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(60))).hasSize(1);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(61))).hasSize(1);
        assertThat(h.telemetry.reorgs).hasValue(0);
    }

    @Test
    void aRollbackBelowAConfirmedPaymentFillsNoGapAtItsNonceAndTheGrantIsPaidAgainOnce() {
        DripResult first = h.request(FaucetHarness.address(70), "10.0.0.70");
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(first.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        DripResult second = h.request(FaucetHarness.address(71), "10.0.0.71");

        // the block with the first payment is gone and anvil forgets its transaction; the second waits in
        // the pool behind the nonce the chain no longer shows used
        h.chain.reorg(1, false);
        h.tracker.tick();
        assertThat(h.transfers.unsettled()).as("no filler takes the confirmed grant's nonce").isEmpty();

        for (int i = 0; i < 4; i++) {
            h.chain.mine();
            h.tracker.tick();
        }
        assertThat(h.ledger.find(first.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.ledger.find(second.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(70))).hasSize(1);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(71))).hasSize(1);
        assertThat(h.telemetry.reorgs).hasValue(1);
    }

    /**
     * A rollback takes the block with two payments before any pass recorded it, and the node forgets them (anvil
     * does: neither mined nor pooled). Once they have waited HELD_CHECK_AFTER, a pass finds the node's pool
     * without them and sends their stored bytes again: the next block pays both, with the hashes their users were
     * told, and nothing is replaced. Before, they waited TX_REPLACE_AFTER_MS (30 s) and were replaced with new hashes.
     */
    @Test
    void transactionsARollbackMadeTheNodeForgetAreSentAgainWithinSecondsWithTheirOwnHashes() {
        TestClock clock = new TestClock(Instant.now());
        FaucetHarness f = new FaucetHarness(clock);
        DripResult a = f.request(FaucetHarness.address(80), "10.0.0.80");
        DripResult b = f.request(FaucetHarness.address(81), "10.0.0.81");
        f.tracker.tick();
        f.chain.mine();
        f.chain.reorg(1, false); // before a pass saw the block: both are SUBMITTED, recorded in no block
        assertThat(f.chain.poolSize()).isZero();

        clock.advance(GrantTracker.HELD_CHECK_AFTER);
        f.tracker.tick();
        f.chain.mine();
        assertThat(f.chain.paymentsTo(FaucetHarness.parsed(80))).as("paid by the next block").hasSize(1);
        assertThat(f.chain.paymentsTo(FaucetHarness.parsed(81))).as("paid by the next block").hasSize(1);
        f.tracker.tick();
        f.chain.mine();
        f.tracker.tick();
        for (DripResult r : List.of(a, b)) {
            Grant done = f.ledger.find(r.grant().id()).orElseThrow();
            assertThat(done.status()).isEqualTo(GrantStatus.CONFIRMED);
            assertThat(done.txHashes()).as("no new hash").containsExactlyElementsOf(r.grant().txHashes());
            assertThat(done.landedHash()).contains(r.grant().txHashes().getFirst());
        }
        assertThat(f.telemetry.replacements).hasValue(0);
        assertThat(f.telemetry.resent).hasValue(2);
    }

    /**
     * Grants recorded in a block that a rollback took (the head now below it) are offered to the node again in the
     * same pass, not only once the chain has grown past their block; so is a later payment the node still holds,
     * queued behind them. The next block pays all three, once, with their own hashes.
     */
    @Test
    void grantsRecordedInABlockARollbackTookAreSentAgainBeforeTheChainRegrowsPastIt() {
        h.withFinality(new Finality(3, 64));
        DripResult a = h.request(FaucetHarness.address(82), "10.0.0.82");
        DripResult b = h.request(FaucetHarness.address(83), "10.0.0.83");
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(b.grant().id()).orElseThrow().blockNumber()).isPresent();
        DripResult c = h.request(FaucetHarness.address(84), "10.0.0.84");
        h.chain.reorg(1, false); // block 1 is gone with a and b; c waits in the pool behind nonces the chain lost

        h.tracker.tick();
        h.chain.mine();
        for (int i = 82; i <= 84; i++) {
            assertThat(h.chain.paymentsTo(FaucetHarness.parsed(i))).as("paid by the first block after the rollback").hasSize(1);
        }
        for (int i = 0; i < 4; i++) {
            h.tracker.tick();
            h.chain.mine();
        }
        h.tracker.tick();
        for (DripResult r : List.of(a, b, c)) {
            Grant done = h.ledger.find(r.grant().id()).orElseThrow();
            assertThat(done.status()).isEqualTo(GrantStatus.CONFIRMED);
            assertThat(done.txHashes()).containsExactlyElementsOf(r.grant().txHashes());
        }
        for (int i = 82; i <= 84; i++) {
            assertThat(h.chain.paymentsTo(FaucetHarness.parsed(i))).as("paid once").hasSize(1);
        }
        assertThat(h.telemetry.replacements).hasValue(0);
    }

    /**
     * A node that forgets transactions without a rollback (a restart empties its pool): once a payment has waited
     * HELD_CHECK_AFTER, a pass asks the pool (once for the sender) and sends every payment it lacks again, lowest
     * nonce first (a node queues a nonce above one it lacks), with the stored bytes; a payment younger than that
     * costs no call. Nothing is replaced.
     */
    @Test
    void paymentsANodeRestartForgotAreSentAgainInNonceOrderOnceTheyHaveWaitedSecondsNotTheReplacementTime() {
        TestClock clock = new TestClock(Instant.now());
        FaucetHarness f = new FaucetHarness(clock);
        // reserved in one order, signed in the other: the oldest grant has the higher nonce
        Grant older = reserve(f, 85, Instant.now());
        Grant newer = reserve(f, 86, Instant.now());
        Grant first = f.pay(newer);
        Grant second = f.pay(older);
        assertThat(first.nonce()).contains(0L);
        assertThat(second.nonce()).contains(1L);

        int asked = f.chain.pendingNonceCalls.get();
        f.tracker.tick();
        assertThat(f.chain.pendingNonceCalls).as("payments waiting for the next block cost no call").hasValue(asked);

        f.chain.dropFromPool(first.txHashes().getFirst());
        f.chain.dropFromPool(second.txHashes().getFirst());
        int taken = f.chain.accepted().size();
        clock.advance(GrantTracker.HELD_CHECK_AFTER);
        f.tracker.tick();
        assertThat(f.chain.pendingNonceCalls).as("one look at the pool for the sender").hasValue(asked + 1);
        assertThat(f.chain.accepted().subList(taken, f.chain.accepted().size())).extracting(FakeChain.Tx::hash)
                .as("the stored bytes, lowest nonce first").containsExactly(first.txHashes().getFirst(), second.txHashes().getFirst());
        f.tracker.tick();
        assertThat(f.chain.accepted()).as("sent once, not on every pass").hasSize(taken + 2);

        f.chain.mine();
        f.tracker.tick();
        f.chain.mine();
        f.tracker.tick();
        for (Grant g : List.of(first, second)) {
            Grant done = f.ledger.find(g.id()).orElseThrow();
            assertThat(done.status()).isEqualTo(GrantStatus.CONFIRMED);
            assertThat(done.txHashes()).containsExactlyElementsOf(g.txHashes());
        }
        assertThat(f.telemetry.replacements).hasValue(0);
    }

    /** A payment the node holds and does not mine is still re-priced after the replacement time, not sent again as it was. */
    @Test
    void aPaymentTheNodeHoldsButDoesNotMineIsRepricedAfterTheReplacementTimeNotResent() {
        TestClock clock = new TestClock(Instant.now());
        FaucetHarness f = new FaucetHarness(clock);
        DripResult r = f.request(FaucetHarness.address(87), "10.0.0.87");
        clock.advance(GrantTracker.HELD_CHECK_AFTER);
        f.tracker.tick();
        assertThat(f.ledger.find(r.grant().id()).orElseThrow().txHashes()).as("held by the node: left alone").hasSize(1);
        assertThat(f.telemetry.resent).hasValue(0);
        clock.advance(Duration.ofSeconds(30));
        f.tracker.tick();
        assertThat(f.ledger.find(r.grant().id()).orElseThrow().txHashes()).as("re-priced").hasSize(2);
        assertThat(f.telemetry.replacements).hasValue(1);
        assertThat(f.telemetry.resent).hasValue(0);
    }

    /**
     * The node mines fewer of the faucet's payments than are waiting (a block a second, one payment a block here; in
     * the soak, anvil behind 300 grants/s after a nonce gap), so the later ones wait past the replacement time. A
     * sender's nonces are mined in order and the chain takes one of this key's every block: their fee is not what
     * holds them, and re-pricing them all (thousands in the soak) only loaded the same node. They wait their turn;
     * once the key's mined nonce stops moving for the replacement time, what is left is re-priced as before.
     */
    @Test
    void paymentsWaitingTheirTurnBehindTheKeysOwnAreNotRepricedWhileTheChainTakesThem() {
        TestClock clock = new TestClock(Instant.now());
        FaucetHarness f = new FaucetHarness(clock);
        List<DripResult> sent = java.util.stream.IntStream.range(0, 6)
                .mapToObj(i -> f.request(FaucetHarness.address(100 + i), "10.0.1." + i)).toList();
        f.chain.blockCapacity = 1;
        f.tracker.tick();
        for (int block = 0; block < 4; block++) { // 40 s, one payment mined every 10 s
            clock.advance(Duration.ofSeconds(10));
            f.chain.mine();
            f.tracker.tick();
        }
        assertThat(sent.stream().filter(r -> f.ledger.find(r.grant().id()).orElseThrow().status() == GrantStatus.CONFIRMED))
                .as("four mined, one a block").hasSize(4);
        assertThat(f.telemetry.replacements).as("the two left waited 40 s, their turn coming").hasValue(0);

        clock.advance(Duration.ofSeconds(31)); // no block for longer than the replacement time
        f.tracker.tick();
        assertThat(f.telemetry.replacements).as("the key stopped moving: what waits is re-priced").hasValue(2);
        f.chain.blockCapacity = Integer.MAX_VALUE;
        f.chain.mine();
        f.tracker.tick();
        for (DripResult r : sent) {
            assertThat(f.ledger.find(r.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        }
    }

    /**
     * The node says it has the lowest payment ("already known" to every send of its bytes) yet neither counts it in
     * its pool nor mines it, and the next payment waits behind it (anvil 1.7.1, when a transaction arrives while the
     * block with the nonce below is being mined). Sending the same bytes every pass refreshed its last send, so it
     * was never re-priced and both grants waited for good. Once passes have found it so for the replacement time,
     * it is re-priced; the new transaction is mined and so is the one behind it, which is left as it is.
     */
    @Test
    void aPaymentTheNodeSaysItHasButNeitherCountsNorMinesIsRepricedThoughEverySendOfItIsAnsweredAsKnown() {
        TestClock clock = new TestClock(Instant.now());
        FaucetHarness f = new FaucetHarness(clock);
        DripResult lowest = f.request(FaucetHarness.address(88), "10.0.0.88");
        DripResult behind = f.request(FaucetHarness.address(89), "10.0.0.89");
        f.chain.wedge(lowest.grant().txHashes().getFirst());

        List<String> warnings;
        try (LogLines log = new LogLines(GrantTracker.class, Level.WARNING)) {
            Instant start = clock.instant();
            while (Duration.between(start, clock.instant()).compareTo(Duration.ofSeconds(29)) < 0) {
                clock.advance(GrantTracker.HELD_CHECK_AFTER);
                f.tracker.tick();
                f.chain.mine();
            }
            assertThat(f.chain.paymentsTo(FaucetHarness.parsed(88))).as("wedged: not mined").isEmpty();
            assertThat(f.ledger.find(lowest.grant().id()).orElseThrow().txHashes()).as("not yet re-priced").hasSize(1);

            for (int i = 0; i < 4; i++) {
                clock.advance(GrantTracker.HELD_CHECK_AFTER);
                f.tracker.tick();
                f.chain.mine();
            }
            f.tracker.tick();
            warnings = log.messages(Level.WARNING);
        }
        Grant first = f.ledger.find(lowest.grant().id()).orElseThrow();
        assertThat(first.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(first.txHashes()).as("re-priced once").hasSize(2);
        assertThat(first.landedHash()).contains(first.txHashes().getLast());
        Grant second = f.ledger.find(behind.grant().id()).orElseThrow();
        assertThat(second.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(second.txHashes()).as("waited behind it: left as it was").containsExactlyElementsOf(behind.grant().txHashes());
        assertThat(f.chain.paymentsTo(FaucetHarness.parsed(88))).hasSize(1);
        assertThat(f.chain.paymentsTo(FaucetHarness.parsed(89))).hasSize(1);
        assertThat(f.telemetry.replacements).hasValue(1);
        assertThat(warnings).filteredOn(m -> m.contains("re-pricing it")).singleElement()
                .asString().contains("grant " + lowest.grant().id().value(), "its tx " + lowest.grant().txHashes().getFirst().value()
                        + " at nonce 0 of", "for 30 s");
    }
}
