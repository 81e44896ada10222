package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.application.FakeChain;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.grant.LedgerChain;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.TestAdmission;
import com.dytallix.domain.payer.InternalTransfer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The chain behind the node replaced by a new one under the same chain id (a testnet relaunch): the old chain's business
 * is never carried onto the new one, the faucet says why it does not pay, and an adoption is the way forward.
 */
class ChainResetTest {
    private final FaucetHarness h = new FaucetHarness();

    private Grant reserve(int i) {
        var request = TestAdmission.request(FaucetHarness.parsed(i), ClientIp.parse("10.0.0." + i), Optional.empty(),
                "hash-" + i, Instant.now());
        return ((Reservation.Reserved) h.ledger.reserve(request, TestAdmission.GENEROUS.of(request))).grant();
    }

    /** One grant confirmed, one in a block (still watched for a reorg), one sent and unmined, one admitted only. */
    private List<Grant> businessOnTheOldChain() {
        h.withFinality(new Finality(2, 64));
        Grant confirmed = h.pay(reserve(1));
        h.chain.mine();
        h.chain.mine();
        h.tracker.tick();
        Grant included = h.pay(reserve(2));
        h.chain.mine();
        h.tracker.tick();
        Grant sent = h.pay(reserve(3));
        Grant admitted = reserve(4);
        assertThat(h.ledger.find(confirmed.id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.ledger.find(included.id()).orElseThrow().blockNumber()).isPresent();
        assertThat(h.chain.poolSize()).isEqualTo(1);
        return List.of(confirmed, included, sent, admitted);
    }

    private void relaunch() {
        h.chain.relaunch();
        h.chain.fund(FaucetHarness.FAUCET, Wei.ofDyt("1000000"));
    }

    @Test
    void afterARelaunchUnderTheSameChainIdNothingIsSentAndTheFaucetSaysWhyItIsPaused() {
        List<Grant> old = businessOnTheOldChain();
        int paid = h.chain.totalPayments();
        String oldGenesis = h.ledger.genesis().orElseThrow();
        relaunch();

        h.restart(); // the server's start against the new chain
        for (int i = 0; i < 3; i++) {
            h.tracker.tick();
            h.chain.mine();
        }

        assertThat(h.chain.poolSize()).as("nothing sent, re-sent or filled").isZero();
        assertThat(h.chain.minedNonce(FaucetHarness.FAUCET)).isZero();
        assertThat(h.chain.totalPayments()).isEqualTo(paid);
        assertThat(h.transfers.unsettled()).as("no gap filler stored").isEmpty();
        assertThat(h.chainGuard.payable()).isFalse();
        String reason = "the chain was reset (genesis " + h.chain.genesis() + " ≠ " + oldGenesis
                + ", the ledger's): an operator must adopt the new chain";
        assertThat(h.status.current().pause().reason()).contains(reason);
        assertThat(h.status.current().pause().paused()).isTrue();
        FaucetRefusal refused = (FaucetRefusal) org.assertj.core.api.Assertions.catchThrowable(
                () -> h.request(FaucetHarness.parsed(9).value(), "10.0.9.9"));
        assertThat(refused.kind()).isEqualTo(FaucetRefusal.Kind.PAUSED);
        assertThat(refused.getMessage()).contains("the chain was reset");
        assertThat(h.ledger.find(old.get(3).id()).orElseThrow().status()).as("the admitted grant waits, unpaid")
                .isEqualTo(GrantStatus.PENDING);
        assertThat(h.ledger.find(old.get(1).id()).orElseThrow().blockNumber()).as("not taken for a reorg").isPresent();
    }

    @Test
    void aResetFoundWhileRunningStopsTheNextPassBeforeItSendsAnything() {
        businessOnTheOldChain();
        relaunch();

        h.tracker.tick(); // the pass finds the node on another chain before it reads anything else
        h.chain.mine();
        h.tracker.tick();

        assertThat(h.chainGuard.reset()).isPresent();
        assertThat(h.chain.poolSize()).isZero();
        assertThat(h.chain.minedNonce(FaucetHarness.FAUCET)).isZero();
        assertThat(h.transfers.unsettled()).isEmpty();
    }

    @Test
    void adoptingTheNewChainFailsTheOldUnconfirmedGrantsAndTheNextGrantIsPaidWithNonceZero() {
        List<Grant> old = businessOnTheOldChain();
        int paid = h.chain.totalPayments();
        relaunch();
        h.restart();

        LedgerChain.Adoption adoption = h.chainGuard.adopt(h.chain.genesis());

        assertThat(adoption).isEqualTo(new LedgerChain.Adoption(true, 3, 4));
        assertThat(h.chainGuard.payable()).isTrue();
        assertThat(h.status.current().pause().paused()).isFalse();
        assertThat(h.ledger.find(old.get(0).id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        for (Grant g : old.subList(1, 4)) {
            Grant now = h.ledger.find(g.id()).orElseThrow();
            assertThat(now.status()).isEqualTo(GrantStatus.FAILED);
            assertThat(now.failureReason().orElseThrow()).startsWith("the chain was reset (genesis");
        }
        h.election.campaign(); // the adoption revoked the lease: a new one, as the lease job takes it
        DripResult fresh = h.request(FaucetHarness.parsed(9).value(), "10.0.9.9");
        assertThat(fresh.grant().nonce()).contains(0L);
        for (int i = 0; i < 4; i++) {
            h.chain.mine();
            h.tracker.tick();
        }
        assertThat(h.ledger.find(fresh.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        // the two grants failed with a transaction (nonces 1 and 2) may have had it sent to the new node: a zero-value
        // transfer to ourselves holds each of their nonces; nothing else of the old chain, no filler
        assertThat(h.chain.minedNonce(FaucetHarness.FAUCET)).isEqualTo(3);
        assertThat(h.chain.totalPayments()).isEqualTo(paid + 1);
        assertThat(h.transfers.unsettled()).extracting(InternalTransfer::nonce).containsExactly(1L, 2L);
        assertThat(h.transfers.unsettled()).allSatisfy(t -> {
            assertThat(t.to()).isEqualTo(FaucetHarness.FAUCET);
            assertThat(t.value()).isEqualTo(Wei.ZERO);
        });

        assertThat(h.chainGuard.adopt(h.chain.genesis()).adopted()).as("adopting again changes nothing").isFalse();
        assertThatThrownBy(() -> h.chainGuard.adopt("0x" + "ab".repeat(32))).isInstanceOf(ChainGuard.NotTheNodesChain.class);
    }

    /**
     * The relaunch came while the payer sent: the old chain's last transactions reached the new node before the reset
     * was seen, and wait in its pool at the old chain's nonces (1 and 2, the new chain's key at 0). Before the adoption's
     * first nonce is handed out, each is replaced in the pool by a zero-value transfer to ourselves: the grants the
     * adoption failed are never paid (before, the first new block mined both, and the grant given nonce 1 was refused),
     * the new grants are paid once each around those nonces, no nonce is left as a gap or filled, nothing stays queued.
     */
    @Test
    void theOldChainsTransactionsSentToTheNewNodeBeforeTheResetWasSeenAreNeverMinedAfterTheAdoption() {
        List<Grant> stale = adoptedWithTheOldChainsLastTwoInTheNewPool();
        h.election.campaign();

        List<Grant> fresh = payAndMine(4, 20);
        assertPaidOnceAndNothingOfTheOldChain(stale, fresh, 6);
        assertThat(fresh).extracting(g -> g.nonce().orElseThrow()).as("around the old chain's nonces").containsExactly(0L, 3L, 4L, 5L);
    }

    /**
     * kill -9 after the adoption's commit: the process that starts next learns from the ledger which grants the
     * adoption failed with a transaction, and holds their nonces the same way before it pays; a later restart finds the
     * transfers stored and does not sign a second one for a nonce.
     */
    @Test
    void aRestartAfterTheAdoptionStillReplacesTheOldChainsTransactionsAndNeverSignsTwoForOneNonce() {
        List<Grant> stale = adoptedWithTheOldChainsLastTwoInTheNewPool();

        h.restart();
        h.election.campaign();
        List<Grant> fresh = new ArrayList<>(payAndMine(1, 30));
        h.restart();
        h.election.campaign();
        fresh.addAll(payAndMine(3, 31));

        assertPaidOnceAndNothingOfTheOldChain(stale, fresh, 6);
        assertThat(fresh).extracting(g -> g.nonce().orElseThrow()).containsExactly(0L, 3L, 4L, 5L);
        for (long nonce : List.of(1L, 2L)) {
            assertThat(h.chain.accepted(FaucetHarness.FAUCET, nonce)).filteredOn(t -> t.to().equals(FaucetHarness.FAUCET))
                    .as("one transfer at the nonce, whatever the restarts").hasSize(1);
        }
    }

    /**
     * kill -9 between storing the transfers and sending them: the next process sends the stored bytes before it hands
     * out its first nonce, not at its tracker's next pass (by then the grant given the nonce below would have let the
     * node mine the old transaction).
     */
    @Test
    void transfersStoredButNeverSentAreSentBeforeTheNextProcessHandsOutANonce() {
        List<Grant> stale = adoptedWithTheOldChainsLastTwoInTheNewPool();
        h.election.campaign();
        h.chain.failSends(com.dytallix.domain.sync.NodeFailure.UNREACHABLE, 2); // the process ends before its sends
        h.nonces.ensureSeeded(FaucetHarness.FAUCET);
        assertThat(h.transfers.unsettled()).extracting(InternalTransfer::nonce).containsExactly(1L, 2L);
        assertThat(h.transfers.unsettled()).allSatisfy(t -> assertThat(t.lastSentAt()).isEmpty());

        h.restart();
        h.election.campaign();
        List<Grant> fresh = payAndMine(4, 40);

        assertPaidOnceAndNothingOfTheOldChain(stale, fresh, 6);
    }

    /**
     * The old chain's business, then a relaunch in whose window the stored bytes of its last two grants (nonces 1 and 2)
     * reached the new node, seen and adopted.
     *
     * @return those two grants, which the adoption failed while their transactions wait in the new node's pool
     */
    private List<Grant> adoptedWithTheOldChainsLastTwoInTheNewPool() {
        List<Grant> stale = businessOnTheOldChain().subList(1, 3);
        relaunch();
        sentInTheWindow(stale);
        h.chainGuard.check();
        h.chainGuard.adopt(h.chain.genesis());
        return stale;
    }

    /** The old chain's stored bytes of these grants, handed to the new node (as a payer that has not seen the reset does). */
    private void sentInTheWindow(List<Grant> grants) {
        for (Grant g : grants) {
            h.chain.sendRawTransaction(h.ledger.find(g.id()).orElseThrow().rawTransaction().orElseThrow());
        }
        assertThat(h.chain.poolSize()).as("queued above the new chain's nonce 0").isEqualTo(grants.size());
    }

    private List<Grant> payAndMine(int count, int from) {
        List<Grant> paid = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            paid.add(h.request(FaucetHarness.parsed(from + i).value(), "10.0." + from + "." + i).grant());
            h.chain.mine();
            h.tracker.tick();
        }
        return paid;
    }

    private void assertPaidOnceAndNothingOfTheOldChain(List<Grant> failed, List<Grant> fresh, long nonces) {
        assertEachPaidOnceWithNoGap(List.of(), failed, fresh, nonces);
        assertThat(h.transfers.unsettled()).as("no filler: only the two transfers at the old chain's nonces")
                .extracting(InternalTransfer::nonce).containsExactly(1L, 2L);
    }

    /**
     * A chain relaunched young, before any of the old chain's transactions was mined: the old chain's first nonces are
     * the new chain's first, so the three grants it paid (nonces 0, 1, 2), handed to the new node before the reset was
     * seen, were mined there at once. The adoption failed them (it cannot know), and before the first nonce is handed
     * out they are found paid on the new chain and carried over: confirmed there, paid once, and the new grants take
     * the nonces after them. Before, they stayed failed with their quota given back although paid, and nothing held
     * their nonces.
     */
    @Test
    void grantsOfAChainRelaunchedYoungThatTheNewChainMinedAreRecordedPaidThereNotFailed() {
        List<Grant> old = youngAndHandedToTheNewNode(3, 3);
        h.election.campaign();
        h.tracker.tick(); // the payer's next pass, before anyone asks for a grant
        assertThat(old).allSatisfy(g -> assertThat(h.ledger.find(g.id()).orElseThrow().status()).as("carried over")
                .isIn(GrantStatus.SUBMITTED, GrantStatus.CONFIRMED));

        List<Grant> fresh = payAndMine(3, 50);

        assertEachPaidOnceWithNoGap(old, List.of(), fresh, 6);
        assertThat(fresh).extracting(g -> g.nonce().orElseThrow()).containsExactly(3L, 4L, 5L);
        for (Grant g : old) {
            Grant now = h.ledger.find(g.id()).orElseThrow();
            assertThat(now.failureReason()).isEmpty();
            assertThat(now.blockNumber()).as("the new chain's block").isPresent();
        }
        assertThat(h.ledger.leftInFlight(FaucetHarness.FAUCET, 0)).isEmpty();
        assertThat(h.transfers.unsettled()).as("no transfer at a nonce the old transactions used").isEmpty();
    }

    /**
     * The new chain mined the old chain's nonces 0 and 1, and pools nonce 2 (not mined yet) when the payer seeds; nonce 3
     * never reached it. The two mined and the pooled one are carried over (the pooled one is mined with the next block
     * and confirmed as any payment); nonce 3 gets a transfer of ours and its grant stays failed, unpaid.
     */
    @Test
    void theOldChainsTransactionsMinedOrPooledOnTheNewChainAreCarriedOverAndThoseBeyondAreReplaced() {
        h.withFinality(new Finality(2, 64));
        List<Grant> old = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            old.add(h.pay(reserve(i)));
        }
        relaunch();
        sentInTheWindow(old.subList(0, 2));
        h.chain.mine();
        sentInTheWindow(old.subList(2, 3));
        h.chainGuard.check();
        h.chainGuard.adopt(h.chain.genesis());
        h.election.campaign();

        h.nonces.ensureSeeded(FaucetHarness.FAUCET);
        assertThat(h.ledger.find(old.get(2).id()).orElseThrow().status()).as("pooled: a payment of the new chain")
                .isEqualTo(GrantStatus.SUBMITTED);
        List<Grant> fresh = payAndMine(3, 60);

        assertEachPaidOnceWithNoGap(old.subList(0, 3), old.subList(3, 4), fresh, 7);
        assertThat(fresh).extracting(g -> g.nonce().orElseThrow()).containsExactly(4L, 5L, 6L);
        assertThat(h.transfers.unsettled()).extracting(InternalTransfer::nonce).containsExactly(3L);
    }

    /**
     * kill -9 between the adoption and the first seeding, and again after a process carried the first grant over and
     * before it did the others: each process finds in the ledger what is left to look up, nothing is carried over twice,
     * no transaction is signed for a nonce the old ones used.
     */
    @Test
    void restartsAfterTheAdoptionAndBetweenCarryOversLeaveEachGrantOfAYoungChainPaidOnce() {
        List<Grant> old = youngAndHandedToTheNewNode(3, 3);
        h.restart(); // before the first seeding
        assertThat(h.chainGuard.carryOver(old.getFirst().id())).isTrue(); // what a process did before it was killed
        h.restart();
        h.election.campaign();
        List<Grant> fresh = new ArrayList<>(payAndMine(1, 70));
        h.restart();
        h.election.campaign();
        fresh.addAll(payAndMine(2, 71));

        assertEachPaidOnceWithNoGap(old, List.of(), fresh, 6);
        for (Grant g : old) {
            assertThat(h.chain.accepted(FaucetHarness.FAUCET, g.nonce().orElseThrow())).extracting(FakeChain.Tx::hash)
                    .as("on either chain, only the old chain's transaction at its nonce").containsOnly(g.txHashes().getFirst());
        }
    }

    /**
     * The old chain's transaction reaches the new node after the payer seeded (a payer that had not seen the adoption
     * yet), before the transfer put at its nonce: the node mines it, and the transfer is refused. Once the chain has
     * used the nonce, the tracker finds the old transaction's receipt and carries its grant over.
     */
    @Test
    void anOldTransactionMinedInPlaceOfTheTransferAtItsNonceIsCarriedOverOnceTheChainDecides() {
        List<Grant> old = youngAndHandedToTheNewNode(1, 0);
        h.election.campaign();
        h.chain.failSends(com.dytallix.domain.sync.NodeFailure.UNREACHABLE, 1); // the transfer's first send
        h.nonces.ensureSeeded(FaucetHarness.FAUCET);
        assertThat(h.transfers.unsettled()).extracting(InternalTransfer::nonce).containsExactly(0L);
        sentInTheWindow(old);
        h.chain.mine();

        List<Grant> fresh = payAndMine(2, 80);

        assertEachPaidOnceWithNoGap(old, List.of(), fresh, 3);
        assertThat(fresh).extracting(g -> g.nonce().orElseThrow()).containsExactly(1L, 2L);
        assertThat(h.transfers.unsettled()).as("the transfer settled: its nonce was used by the old transaction").isEmpty();
    }

    /**
     * The key that paid on the young chain was rotated away before the relaunch: no grant seeds its nonces any more, yet
     * the tracker's pass settles what the adoption failed of it all the same. Its grants the new chain mined are carried
     * over and confirmed (before, they stayed failed though paid).
     */
    @Test
    void grantsOfAKeyRotatedAwayThatTheNewChainMinedAreCarriedOverToo() {
        List<Grant> old = List.of(h.pay(reserve(1)), h.pay(reserve(2)));
        h.keys.rotate("00".repeat(12) + "00000000000000000000000000000000000d0a1f", false, Instant.now());
        relaunch();
        sentInTheWindow(old);
        h.chain.mine();
        h.chainGuard.check();
        h.chainGuard.adopt(h.chain.genesis());
        h.election.campaign();

        for (int i = 0; i < 4; i++) {
            h.tracker.tick();
            h.chain.mine();
        }
        h.tracker.tick();

        assertEachPaidOnceWithNoGap(old, List.of(), List.of(), 2);
    }

    /**
     * A chain relaunched before any of the old chain's transactions was mined: {@code paid} grants signed and sent on the
     * old chain (nonces from 0), the first {@code handed} of them given to the new node in the window and mined there,
     * the reset seen and adopted (which fails them all).
     */
    private List<Grant> youngAndHandedToTheNewNode(int paid, int handed) {
        List<Grant> old = new ArrayList<>();
        for (int i = 1; i <= paid; i++) {
            old.add(h.pay(reserve(i)));
        }
        relaunch();
        if (handed > 0) {
            sentInTheWindow(old.subList(0, handed));
            h.chain.mine();
            assertThat(h.chain.minedNonce(FaucetHarness.FAUCET)).as("the new chain mined them at once").isEqualTo(handed);
        }
        h.chainGuard.check();
        assertThat(h.chainGuard.adopt(h.chain.genesis()).failed()).isEqualTo(paid);
        return old;
    }

    private void assertEachPaidOnceWithNoGap(List<Grant> carried, List<Grant> failed, List<Grant> fresh, long nonces) {
        for (int i = 0; i < 6; i++) {
            h.chain.mine();
            h.tracker.tick();
        }
        for (Grant g : carried) {
            assertThat(h.ledger.find(g.id()).orElseThrow().status()).as("paid on the new chain").isEqualTo(GrantStatus.CONFIRMED);
            assertThat(h.chain.balance(g.address())).as("paid once").isEqualTo(g.amount());
        }
        for (Grant g : failed) {
            assertThat(h.ledger.find(g.id()).orElseThrow().status()).isEqualTo(GrantStatus.FAILED);
            assertThat(h.chain.balance(g.address())).as("failed, so never paid on the new chain").isEqualTo(Wei.ZERO);
        }
        for (Grant g : fresh) {
            assertThat(h.ledger.find(g.id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
            assertThat(h.chain.balance(g.address())).as("paid once").isEqualTo(g.amount());
        }
        assertThat(h.chain.minedNonce(FaucetHarness.FAUCET)).as("no gap").isEqualTo(nonces);
        assertThat(h.chain.pendingNonce(FaucetHarness.FAUCET)).isEqualTo(nonces);
        assertThat(h.chain.poolSize()).as("nothing stuck").isZero();
    }

    /**
     * A nonce of a grant the adoption failed that a new grant of ours now holds in the node's pool: a later seeding sees
     * it pooled with no stored transfer at it, which is our new grant, not the old chain's transaction. The old grant
     * stays failed (its quota given back) and the new grant is paid at the nonce. Before, the seeding carried the old
     * grant over as "pooled, so ours": two live grants at one nonce, the old one's bytes to be sent over the user's.
     *
     * <p>How the state comes about: the transfer put at the old grant's nonce is mined, settled past the reorg watch,
     * then taken by a reorg deeper than the watch; the next seeding finds the nonce free and hands it to a new grant.
     */
    @Test
    void aNonceOfAFailedGrantThatANewGrantOfOursHoldsInThePoolIsNotTakenForTheOldChainsTransaction() {
        h.withFinality(new Finality(1, 2));
        Grant old = h.pay(reserve(1));
        relaunch();
        h.chainGuard.check();
        h.chainGuard.adopt(h.chain.genesis());
        h.election.campaign();
        h.nonces.ensureSeeded(FaucetHarness.FAUCET); // a transfer of ours at the old grant's nonce 0, sent
        for (int i = 0; i < 5; i++) {
            h.chain.mine();
            h.tracker.tick();
        }
        assertThat(h.transfers.unsettled()).as("mined and past the watch").isEmpty();
        h.chain.reorg(5, false); // deeper than the watch: the transfer is gone, nonce 0 unused again

        h.restart();
        h.election.campaign();
        Grant fresh = h.request(FaucetHarness.parsed(80).value(), "10.0.80.1").grant();
        assertThat(fresh.nonce()).as("the free nonce").contains(old.nonce().orElseThrow());
        assertThat(h.chain.pendingNonce(FaucetHarness.FAUCET)).as("the new grant, pooled").isEqualTo(1);

        h.restart(); // a later seeding, the new grant still in the pool
        h.election.campaign();
        h.nonces.ensureSeeded(FaucetHarness.FAUCET);

        assertThat(h.ledger.find(old.id()).orElseThrow().status()).as("not carried over").isEqualTo(GrantStatus.FAILED);
        h.chain.mine();
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(fresh.id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.ledger.find(old.id()).orElseThrow().status()).isEqualTo(GrantStatus.FAILED);
        assertThat(h.chain.balance(fresh.address())).isEqualTo(fresh.amount());
        assertThat(h.chain.balance(old.address())).isEqualTo(Wei.ZERO);
    }

    @Test
    void anotherInstanceThatSeededTheOldChainsNoncesLearnsThemAgainFromTheNewChainAfterTheAdoption() {
        businessOnTheOldChain();
        FaucetHarness other = new FaucetHarness(h, "second");
        relaunch();
        h.chainGuard.check();
        other.chainGuard.check();

        other.chainGuard.adopt(h.chain.genesis()); // on the instance that does not pay
        h.chainGuard.check(); // the payer's next check (its job, or its tracker's pass)
        h.election.campaign();
        DripResult fresh = h.request(FaucetHarness.parsed(9).value(), "10.0.9.9");

        assertThat(h.election.isPayer()).isTrue();
        assertThat(fresh.grant().nonce()).as("the payer had seeded nonce 3 from the old chain").contains(0L);
    }

    @Test
    void theFirstStartRecordsTheNodesChainAndAPauseOfTheOperatorOutlivesAnAdoption() {
        assertThat(h.ledger.genesis()).contains(h.chain.genesis());
        h.controls.pause(Optional.of("maintenance"), Instant.now());
        relaunch();
        h.chainGuard.check();
        assertThat(h.status.current().pause().reason().orElseThrow()).as("both, the operator's first")
                .startsWith("maintenance; and the chain was reset");

        h.chainGuard.adopt(h.chain.genesis());

        assertThat(h.status.current().pause().reason()).contains("maintenance");
    }

    /** A reset is a field of the pause state the status and the faucet's info show, never read from the reason's words. */
    @Test
    void theResetIsCarriedAsAFieldOfThePauseAndAnOperatorsReasonSayingItIsNone() {
        String old = h.chain.genesis();
        h.controls.pause(Optional.of("the chain was reset, says the operator"), Instant.now());
        h.status.refresh();
        assertThat(h.status.current().pause().reason()).contains("the chain was reset, says the operator");
        assertThat(h.status.current().pause().chainReset()).as("an operator's words").isEmpty();

        relaunch();
        h.chainGuard.check();
        com.dytallix.domain.faucet.ChainReset reset = h.status.current().pause().chainReset().orElseThrow();
        assertThat(reset.genesis()).isEqualTo(h.chain.genesis());
        assertThat(reset.ledgerGenesis()).isEqualTo(old);
        assertThat(h.status.current().pause().reason().orElseThrow()).isEqualTo("the chain was reset, says the operator; and " + reset.reason());
        assertThat(h.drips.info(ClientIp.parse("10.0.0.1")).pause().chainReset()).contains(reset);

        h.chainGuard.adopt(h.chain.genesis());
        assertThat(h.status.current().pause().chainReset()).isEmpty();
        assertThat(h.drips.info(ClientIp.parse("10.0.0.1")).pause().chainReset()).isEmpty();
    }
}
