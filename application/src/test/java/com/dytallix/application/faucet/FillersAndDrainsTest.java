package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.payer.InternalTransfer;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.TestClock;
import com.dytallix.domain.key.Fees;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * Gap fillers and drains follow the grants' rule: signed, stored under the payer lease, then sent;
 * only their stored bytes are ever sent again. The chain is the referee: every transaction it ever
 * took for a nonce is counted.
 */
class FillersAndDrainsTest {
    private static final String NEXT_KEY = "00".repeat(12) + "00000000000000000000000000000000000d0a1e";

    private final FaucetHarness h = new FaucetHarness();

    /** Two grants at nonces 0 and 1; the first is lost and given up on, so nonce 0 is a hole under the second. */
    private DripResult holeUnderASecondGrant() {
        return holeUnderASecondGrant(h);
    }

    private static DripResult holeUnderASecondGrant(FaucetHarness h) {
        DripResult a = h.request(FaucetHarness.address(13), "10.0.0.13");
        DripResult b = h.request(FaucetHarness.address(14), "10.0.0.14");
        h.chain.dropFromPool(a.grant().txHashes().getFirst());
        h.ledger.markFailed(a.grant().id(), "test: lost", Instant.now());
        h.restart();
        return b;
    }

    @Test
    void aFillerIsStoredBeforeItIsSentAndAfterACrashBeforeTheSendItsStoredBytesAreSent() {
        DripResult b = holeUnderASecondGrant();
        int lost = h.chain.accepted(FaucetHarness.FAUCET, 0).size(); // the lost grant's transaction
        h.chain.failSends(NodeFailure.UNREACHABLE, 1); // the process "dies" between store and send

        h.tracker.reconcile();

        InternalTransfer stored = h.transfers.unsettled().getFirst();
        assertThat(stored.kind()).isEqualTo(InternalTransfer.Kind.GAP_FILLER);
        assertThat(stored.nonce()).isZero();
        assertThat(stored.lastSentAt()).isEmpty();
        assertThat(h.chain.accepted(FaucetHarness.FAUCET, 0)).hasSize(lost);

        h.restart();
        h.tracker.reconcile();
        h.chain.mine();
        h.tracker.tick();

        assertThat(h.chain.accepted(FaucetHarness.FAUCET, 0).subList(lost, h.chain.accepted(FaucetHarness.FAUCET, 0).size()))
                .singleElement().satisfies(tx -> assertThat(tx.hash()).isEqualTo(stored.hash()));
        assertThat(h.ledger.find(b.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(13))).isEmpty();
    }

    @Test
    void aDeposedPayerSendsNoFillerAndTheNewPayerFillsTheGapOnce() {
        DripResult b = holeUnderASecondGrant();
        FaucetHarness other = new FaucetHarness(h, "other");
        Lease stale = h.election.held().orElseThrow();
        // the first payer stalls; its lease goes to the other instance behind its back
        h.ledger.leases().release(stale);
        assertThat(other.election.campaign()).isTrue();
        int sends = h.chain.sendCount();
        int lost = h.chain.accepted(FaucetHarness.FAUCET, 0).size();

        h.tracker.tick();

        assertThat(h.chain.sendCount()).as("nothing signed by the deposed payer reached the node").isEqualTo(sends);
        assertThat(h.transfers.unsettled()).isEmpty();
        assertThat(h.election.isPayer()).as("the fence told it").isFalse();

        other.tracker.tick();
        h.chain.mine();
        other.tracker.tick();
        assertThat(h.chain.accepted(FaucetHarness.FAUCET, 0)).hasSize(lost + 1);
        assertThat(h.ledger.find(b.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
    }

    @Test
    void aFillerDroppedByAReorgIsSentAgainFromItsStoredBytes() {
        DripResult b = holeUnderASecondGrant();
        h.tracker.reconcile(); // fills nonce 0
        int before = h.chain.accepted(FaucetHarness.FAUCET, 0).size();
        h.chain.mine();
        h.tracker.tick(); // the filler's block is recorded; the grant is confirmed
        InternalTransfer filler = h.transfers.unsettled().getFirst();
        assertThat(filler.blockNumber()).isPresent();

        h.chain.reorg(1, false); // the new fork has neither the filler nor the grant
        h.tracker.tick(); // the filler's nonce is unused again: its stored bytes go at once
        h.chain.mine(); // the new fork grows past the grant's block: the grant is re-opened and sent again
        h.tracker.tick();
        h.chain.mine();
        h.tracker.tick();

        assertThat(h.chain.minedNonce(FaucetHarness.FAUCET)).isEqualTo(2);
        var sentForNonce0 = h.chain.accepted(FaucetHarness.FAUCET, 0);
        assertThat(sentForNonce0.subList(before - 1, sentForNonce0.size())).hasSize(2)
                .allSatisfy(tx -> assertThat(tx.hash()).isEqualTo(filler.hash()));
        assertThat(h.ledger.find(b.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
    }

    @Test
    void aFillerIsSettledOnceItsBlockIsPastTheReorgWatch() {
        h.withFinality(new Finality(1, 2));
        holeUnderASecondGrant();
        h.tracker.reconcile();
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.transfers.unsettled()).hasSize(1);

        h.chain.mine();
        h.chain.mine();
        h.tracker.tick();

        assertThat(h.transfers.unsettled()).isEmpty();
    }

    @Test
    void aDeposedPayerDrainsNothing() {
        Address next = h.keys.rotate(NEXT_KEY, true, Instant.now()).newAddress();
        FaucetHarness other = new FaucetHarness(h, "other");
        h.ledger.leases().release(h.election.held().orElseThrow());
        assertThat(other.election.campaign()).isTrue();
        int sends = h.chain.sendCount();

        h.tracker.tick();

        assertThat(h.chain.sendCount()).isEqualTo(sends);
        assertThat(h.transfers.unsettled()).isEmpty();
        other.tracker.tick();
        h.chain.mine();
        assertThat(h.chain.balance(next)).isGreaterThan(Wei.ofDyt("999000"));
    }

    @Test
    void aDrainInterruptedBetweenStoreAndSendIsSentFromItsStoredBytesNeverSignedAgain() {
        Address next = h.keys.rotate(NEXT_KEY, true, Instant.now()).newAddress();
        h.chain.failSends(NodeFailure.UNREACHABLE, 1);

        h.tracker.tick();

        InternalTransfer drain = h.transfers.unsettled().getFirst();
        assertThat(drain.kind()).isEqualTo(InternalTransfer.Kind.DRAIN);
        assertThat(drain.to()).isEqualTo(next);
        assertThat(h.chain.balance(next)).isEqualTo(Wei.ZERO);
        // the faucet's balance changes before the restart (a late top-up): a new drain would move another amount
        h.chain.fund(FaucetHarness.FAUCET, Wei.ofDyt("5"));

        h.restart();
        h.tracker.reconcile(); // sends the stored drain
        h.chain.mine();
        h.tracker.tick(); // the 5 DYT left over are drained by a new transfer, at the next nonce

        assertThat(h.chain.accepted(FaucetHarness.FAUCET, drain.nonce())).singleElement()
                .satisfies(tx -> assertThat(tx.hash()).isEqualTo(drain.hash()));
        assertThat(h.chain.balance(next)).isEqualTo(drain.value());
        h.chain.mine();
        assertThat(h.chain.accepted(FaucetHarness.FAUCET, drain.nonce() + 1)).hasSize(1);
        assertThat(h.chain.balance(next)).isGreaterThan(drain.value().plus(Wei.ofDyt("4.99")));
    }

    @Test
    void aFillerTheNodeHoldsButNeverMinesIsRepricedAndTheGrantsBehindItArePaid() {
        TestClock clock = new TestClock(Instant.now());
        FaucetHarness f = new FaucetHarness(clock);
        DripResult behind = holeUnderASecondGrant(f);
        List<String> warnings;
        InternalTransfer filler;
        try (LogLines log = new LogLines(GrantTracker.class, Level.WARNING)) {
            f.tracker.reconcile(); // fills nonce 0
            filler = f.transfers.unsettled().getFirst();
            f.chain.wedge(filler.hash());
            passes(f, clock, Duration.ofSeconds(28));
            assertThat(f.transfers.unsettled().getFirst().hash()).as("not yet re-priced").isEqualTo(filler.hash());
            assertThat(f.ledger.find(behind.grant().id()).orElseThrow().status()).as("waits behind the filler")
                    .isEqualTo(GrantStatus.SUBMITTED);

            passes(f, clock, Duration.ofSeconds(8));
            warnings = log.messages(Level.WARNING);
        }

        assertThat(f.chain.minedNonce(FaucetHarness.FAUCET)).isEqualTo(2);
        assertThat(f.ledger.find(behind.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        InternalTransfer repriced = f.transfers.unsettled().getFirst();
        assertThat(repriced.replaced()).as("re-priced once").containsExactly(filler.hash());
        assertThat(repriced.blockNumber()).isPresent();
        assertThat(repriced.value()).isEqualTo(Wei.ZERO);
        assertThat(f.chain.accepted(FaucetHarness.FAUCET, 0)).last().satisfies(tx -> {
            assertThat(tx.hash()).isEqualTo(repriced.hash());
            assertThat(tx.to()).isEqualTo(FaucetHarness.FAUCET);
        });
        Fees before = filler.fees().orElseThrow();
        assertThat(repriced.fees()).hasValueSatisfying(fees -> assertThat(((Fees.Eip1559) fees).maxFeePerGas())
                .isGreaterThan(((Fees.Eip1559) before).maxFeePerGas()));
        assertThat(f.telemetry.replacements).hasValue(1);
        // every hash named after "tx": the JSON log lines mask any other 32-byte hex value as a possible key
        assertThat(warnings).filteredOn(m -> m.startsWith("filling nonce gap 0 of")).singleElement().asString()
                .endsWith(" with tx " + filler.hash().value());
        assertThat(warnings).filteredOn(m -> m.contains("re-priced as")).singleElement().asString()
                .contains("GAP_FILLER tx " + filler.hash().value() + " at nonce 0 of", "for 30 s", "re-priced as tx "
                        + repriced.hash().value());
        assertThat(warnings).noneMatch(m -> m.contains("used by another transaction"));
    }

    @Test
    void aDrainLeftUnminedIsRepricedAndMovesWhatTheKeyHoldsLessTheDearerFee() {
        TestClock clock = new TestClock(Instant.now());
        FaucetHarness f = new FaucetHarness(clock);
        Address next = f.keys.rotate(NEXT_KEY, true, Instant.now()).newAddress();
        InternalTransfer drain = wedgedDrain(f);

        passes(f, clock, Duration.ofSeconds(36));

        InternalTransfer repriced = f.transfers.unsettled().getFirst();
        assertThat(repriced.kind()).isEqualTo(InternalTransfer.Kind.DRAIN);
        assertThat(repriced.replaced()).containsExactly(drain.hash());
        assertThat(repriced.value()).as("a dearer fee leaves less to move").isLessThan(drain.value());
        assertThat(f.chain.balance(next)).isEqualTo(repriced.value());
        assertThat(f.chain.balance(next)).isGreaterThan(Wei.ofDyt("999000"));
    }

    @Test
    void aTransferWhoseReplacedVersionTheChainMinesIsFollowedAsMinedNotAsDisplaced() {
        TestClock clock = new TestClock(Instant.now());
        FaucetHarness f = new FaucetHarness(clock);
        Address next = f.keys.rotate(NEXT_KEY, true, Instant.now()).newAddress();
        InternalTransfer drain = wedgedDrain(f);
        passes(f, clock, Duration.ofSeconds(28));
        f.chain.failSends(NodeFailure.UNREACHABLE, 1); // the re-priced drain is stored, but the node never gets it
        clock.advance(Duration.ofSeconds(4));
        f.tracker.tick();
        InternalTransfer repriced = f.transfers.unsettled().getFirst();
        assertThat(repriced.replaced()).containsExactly(drain.hash());

        List<String> warnings;
        try (LogLines log = new LogLines(GrantTracker.class, Level.WARNING)) {
            f.chain.unwedge(drain.hash());
            f.chain.mine(); // the first version, which the node still held
            f.tracker.tick();
            warnings = log.messages(Level.WARNING);
        }

        assertThat(f.chain.balance(next)).isEqualTo(drain.value());
        assertThat(f.transfers.unsettled()).singleElement().satisfies(t -> assertThat(t.blockNumber()).isPresent());
        assertThat(warnings).noneMatch(m -> m.contains("used by another transaction"));
    }

    /** The drain a key rotation asks for, which the node then holds without mining it. */
    private static InternalTransfer wedgedDrain(FaucetHarness f) {
        f.tracker.tick();
        InternalTransfer drain = f.transfers.unsettled().getFirst();
        f.chain.wedge(drain.hash());
        return drain;
    }

    /** Tracker passes every two seconds of {@code clock} for {@code span}, a block mined after each. */
    private static void passes(FaucetHarness f, TestClock clock, Duration span) {
        for (Instant end = clock.instant().plus(span); clock.instant().isBefore(end); ) {
            clock.advance(Duration.ofSeconds(2));
            f.tracker.tick();
            f.chain.mine();
        }
    }
}
