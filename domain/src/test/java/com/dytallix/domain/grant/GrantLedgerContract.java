package com.dytallix.domain.grant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.AdmissionRule;
import com.dytallix.domain.admission.OutflowGovernorRule;
import com.dytallix.domain.admission.QuotaRule;
import com.dytallix.domain.admission.SuspiciousActivityRule;
import java.math.BigDecimal;
import java.math.BigInteger;
import com.dytallix.domain.grant.GrantLedger.PruneResult;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.LeaseLostException;
import com.dytallix.domain.payer.PayerLeases;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link GrantLedger} must do. Subclass it once per implementation and supply an empty
 * ledger; the in-memory fake and the SQLite ledger both pass it.
 */
public abstract class GrantLedgerContract {
    protected static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    protected static final Duration DAY = Duration.ofHours(24);
    protected static final Wei DRIP = Wei.ofDyt("10");
    protected static final TestAdmission LIMITS = new TestAdmission(10, 1, Wei.ofDyt("10000"), DRIP);
    protected static final Address FAUCET = address(0xfa);
    protected static final String BLOCK_A = "0x" + "a1".repeat(32);
    protected static final String BLOCK_B = "0x" + "b2".repeat(32);

    /** Longer than any test runs, so the payer lease the tests sign under never runs out by itself. */
    private static final Duration FOREVER = Duration.ofDays(3650);

    protected GrantLedger ledger;
    protected PayerLeases leases;
    /** The payer lease every signing write in these tests is made under. */
    protected Lease lease;

    /** An empty ledger, new for each test. */
    protected abstract GrantLedger newLedger();

    /** The payer leases of the store {@link #newLedger()} just made, which fence its signing writes. */
    protected abstract PayerLeases leasesOfLedger();

    @BeforeEach
    void createLedger() {
        ledger = newLedger();
        leases = leasesOfLedger();
        lease = leases.acquire("payer", "payer-session", FOREVER).orElseThrow();
    }

    @Test
    void signingUnderALeaseTakenOverByAnotherInstanceStoresNothing() {
        Grant grant = reserved(request(address(60), ip("10.0.6.0"), T0));
        leases.release(lease);
        leases.acquire("other", "other-session", FOREVER).orElseThrow();

        assertThatThrownBy(() -> ledger.markSigned(grant.id(), signed(grant, 0, 1), T0.plusSeconds(1), lease))
                .isInstanceOf(LeaseLostException.class);
        assertThat(ledger.find(grant.id()).orElseThrow().status()).isEqualTo(GrantStatus.PENDING);
        assertThat(ledger.highestNonce(FAUCET)).isEmpty();
    }

    @Test
    void aBatchOfSigningsIsStoredInOneStepOrNotAtAllWhenOneGrantIsNoLongerPending() {
        Grant first = reserved(request(address(62), ip("10.0.6.2"), T0));
        Grant paidMeanwhile = reserved(request(address(63), ip("10.0.6.3"), T0));
        Grant second = reserved(request(address(64), ip("10.0.6.4"), T0));
        ledger.markSigned(paidMeanwhile.id(), signed(paidMeanwhile, 0, 1), T0.plusSeconds(1), lease);

        Set<GrantId> refused = ledger.markSigned(List.of(
                new PaymentRecords.Signing(first.id(), signed(first, 1, 2)),
                new PaymentRecords.Signing(paidMeanwhile.id(), signed(paidMeanwhile, 2, 3)),
                new PaymentRecords.Signing(second.id(), signed(second, 3, 4))), T0.plusSeconds(2), lease);

        assertThat(refused).containsExactly(paidMeanwhile.id());
        assertThat(ledger.find(first.id()).orElseThrow().status()).isEqualTo(GrantStatus.PENDING);
        assertThat(ledger.find(paidMeanwhile.id()).orElseThrow().txHashes()).containsExactly(hash(1));
        assertThat(ledger.highestNonce(FAUCET)).hasValue(0);

        assertThat(ledger.markSigned(List.of(new PaymentRecords.Signing(first.id(), signed(first, 1, 2)),
                new PaymentRecords.Signing(second.id(), signed(second, 2, 4))), T0.plusSeconds(3), lease)).isEmpty();
        assertThat(ledger.find(first.id()).orElseThrow().nonce()).contains(1L);
        assertThat(ledger.find(second.id()).orElseThrow().status()).isEqualTo(GrantStatus.SIGNED);
        assertThat(ledger.highestNonce(FAUCET)).hasValue(2);
    }

    @Test
    void submissionsRecordedAtOnceAreEachRecordedAndAGrantThatCannotMoveFailsOnlyItsOwnCaller() throws Exception {
        List<Grant> grants = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            Grant g = reserved(request(address(100 + i), ip("10.1.0." + i), T0));
            ledger.markSigned(g.id(), signed(g, i, 100 + i), T0.plusSeconds(1), lease);
            grants.add(g);
        }
        Grant failed = grants.get(7);
        ledger.markFailed(failed.id(), "rejected by the node", T0.plusSeconds(1));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> submitted = new ArrayList<>();
            for (Grant g : grants) {
                submitted.add(pool.submit(() -> {
                    start.await();
                    ledger.markSubmitted(g.id(), T0.plusSeconds(2));
                    return null;
                }));
            }
            start.countDown();
            for (int i = 0; i < grants.size(); i++) {
                Future<?> f = submitted.get(i);
                if (i == 7) {
                    assertThatThrownBy(f::get).hasCauseInstanceOf(IllegalGrantTransitionException.class);
                } else {
                    f.get();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        for (Grant g : grants) {
            Grant now = ledger.find(g.id()).orElseThrow();
            assertThat(now.status()).isEqualTo(g == failed ? GrantStatus.FAILED : GrantStatus.SUBMITTED);
            if (g != failed) {
                assertThat(now.lastSentAt()).contains(T0.plusSeconds(2));
            }
        }
    }

    @Test
    void theLedgersChainIsRecordedOnceAndTheFirstRecordStays() {
        assertThat(ledger.genesis()).isEmpty();

        assertThat(ledger.recordGenesis(BLOCK_A, T0)).isEqualTo(BLOCK_A);
        assertThat(ledger.recordGenesis(BLOCK_B, T0.plusSeconds(1))).as("another instance's later record").isEqualTo(BLOCK_A);
        assertThat(ledger.genesis()).contains(BLOCK_A);
    }

    @Test
    void adoptingANewChainFailsWhatWasNotConfirmedAndTheOldChainNoLongerHoldsNoncesOrBlocks() {
        ledger.recordGenesis(BLOCK_A, T0);
        List<Grant> grants = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Grant g = reserved(request(address(140 + i), ip("10.1.4." + i), T0));
            ledger.markSigned(g.id(), signed(g, i, 140 + i), T0.plusSeconds(1), lease);
            ledger.markSubmitted(g.id(), T0.plusSeconds(2));
            grants.add(g);
        }
        ledger.settle(List.of(new Settlements.Inclusion(grants.get(0).id(), hash(140), 40, BLOCK_A),
                        new Settlements.Inclusion(grants.get(1).id(), hash(141), 41, BLOCK_B)),
                List.of(new Settlements.Confirmation(grants.get(0).id(), hash(140), 40)), T0.plusSeconds(3));
        Grant pending = reserved(request(address(143), ip("10.1.4.3"), T0));
        long releases = ledger.quotaReleases();
        assertThat(ledger.highestNonce(FAUCET)).hasValue(2);

        LedgerChain.Adoption adoption = ledger.adoptChain(BLOCK_A, BLOCK_B, "the chain was reset", T0.plusSeconds(4));

        assertThat(adoption).isEqualTo(new LedgerChain.Adoption(true, 3, 4));
        assertThat(ledger.genesis()).contains(BLOCK_B);
        Grant confirmed = ledger.find(grants.get(0).id()).orElseThrow();
        assertThat(confirmed.status()).as("paid on the old chain: stays paid").isEqualTo(GrantStatus.CONFIRMED);
        assertThat(confirmed.blockNumber()).contains(40L);
        for (Grant g : List.of(grants.get(1), grants.get(2), pending)) {
            Grant now = ledger.find(g.id()).orElseThrow();
            assertThat(now.status()).isEqualTo(GrantStatus.FAILED);
            assertThat(now.failureReason()).contains("the chain was reset");
        }
        assertThat(ledger.unfinished()).isEmpty();
        assertThat(ledger.quotaReleases()).as("their quota given back").isGreaterThan(releases);
        assertThat(ledger.highestNonce(FAUCET)).as("the old chain's nonces no longer count").isEmpty();
        assertThat(ledger.blocksFrom(0)).as("out of the reorg watch").isEmpty();
        assertThat(ledger.inBlocksFrom(0)).isEmpty();
        assertThat(ledger.noncesInBlocksFrom(FAUCET, 0)).isEmpty();

        // the payer of the old chain stores nothing more; the next lease signs the new chain's nonce 0
        Grant next = reserved(request(address(144), ip("10.1.4.4"), T0.plusSeconds(5)));
        assertThatThrownBy(() -> ledger.markSigned(next.id(), signed(next, 3, 144), T0.plusSeconds(5), lease))
                .isInstanceOf(LeaseLostException.class);
        Lease renewed = leases.acquire("payer", "payer-session", FOREVER).orElseThrow();
        assertThat(renewed.token()).isGreaterThan(lease.token());
        ledger.markSigned(next.id(), signed(next, 0, 145), T0.plusSeconds(6), renewed);
        assertThat(ledger.highestNonce(FAUCET)).hasValue(0);
    }

    @Test
    void theGrantsAnAdoptionFailedWithASignedTransactionAreLeftInFlightUntilTheNextAdoption() {
        ledger.recordGenesis(BLOCK_A, T0);
        List<Grant> grants = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Grant g = reserved(request(address(160 + i), ip("10.1.6." + i), T0));
            ledger.markSigned(g.id(), signed(g, i, 160 + i), T0.plusSeconds(1), lease);
            grants.add(g);
        }
        ledger.markSubmitted(grants.get(0).id(), T0.plusSeconds(2));
        ledger.settle(List.of(new Settlements.Inclusion(grants.get(0).id(), hash(160), 40, BLOCK_A)),
                List.of(new Settlements.Confirmation(grants.get(0).id(), hash(160), 40)), T0.plusSeconds(3));
        ledger.markSubmitted(grants.get(1).id(), T0.plusSeconds(2));
        ledger.markFailed(grants.get(3).id(), "dropped", T0.plusSeconds(3));
        Grant pending = reserved(request(address(164), ip("10.1.6.4"), T0));
        assertThat(ledger.leftInFlight(FAUCET, 0)).as("no adoption yet").isEmpty();

        ledger.adoptChain(BLOCK_A, BLOCK_B, "the chain was reset", T0.plusSeconds(4));

        // submitted or signed when the chain was given up: either may be in a new node's pool
        assertThat(ledger.leftInFlight(FAUCET, 0)).extracting(Grant::id).containsExactly(grants.get(1).id(), grants.get(2).id());
        assertThat(ledger.leftInFlight(FAUCET, 2)).extracting(Grant::id).containsExactly(grants.get(2).id());
        assertThat(ledger.leftInFlight(FAUCET, 0).getFirst().rawTransaction()).isPresent();
        assertThat(ledger.leftInFlight(address(0xfb), 0)).as("another key's").isEmpty();
        assertThat(ledger.find(pending.id()).orElseThrow().status()).isEqualTo(GrantStatus.FAILED);

        String third = "0x" + "c3".repeat(32);
        ledger.adoptChain(BLOCK_B, third, "the chain was reset again", T0.plusSeconds(5));
        assertThat(ledger.leftInFlight(FAUCET, 0)).as("the pools of the chain before are gone with it").isEmpty();
    }

    @Test
    void aGrantTheAdoptionFailedWhoseTransactionIsOnTheNewChainIsCarriedOverAsAPaymentOfIt() {
        ledger.recordGenesis(BLOCK_A, T0);
        List<Grant> grants = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Grant g = reserved(request(address(170 + i), ip("10.1.7." + i), T0));
            ledger.markSigned(g.id(), signed(g, i, 170 + i), T0.plusSeconds(1), lease);
            ledger.markSubmitted(g.id(), T0.plusSeconds(2));
            grants.add(g);
        }
        ledger.settle(List.of(new Settlements.Inclusion(grants.get(0).id(), hash(170), 40, BLOCK_A)), List.of(), T0.plusSeconds(3));
        Grant admitted = reserved(request(address(173), ip("10.1.7.3"), T0));
        ledger.adoptChain(BLOCK_A, BLOCK_B, "the chain was reset", T0.plusSeconds(4));

        assertThat(ledger.carryOver(grants.get(0).id(), T0.plusSeconds(5))).isTrue();

        Grant carried = ledger.find(grants.get(0).id()).orElseThrow();
        assertThat(carried.status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(carried.failureReason()).isEmpty();
        assertThat(carried.blockNumber()).as("the old chain's block is not the new chain's").isEmpty();
        assertThat(carried.landedHash()).isEmpty();
        assertThat(carried.rawTransaction()).isPresent();
        assertThat(carried.txHashes()).containsExactly(hash(170));
        assertThat(ledger.inFlight()).extracting(Payment::id).as("followed by the tracker on the new chain")
                .containsExactly(carried.id());
        assertThat(ledger.highestNonce(FAUCET)).as("its nonce is the new chain's").hasValue(0);
        assertThat(ledger.leftInFlight(FAUCET, 0)).extracting(Grant::id).containsExactly(grants.get(1).id(), grants.get(2).id());
        ledger.settle(List.of(new Settlements.Inclusion(carried.id(), hash(170), 2, BLOCK_B)),
                List.of(new Settlements.Confirmation(carried.id(), hash(170), 2)), T0.plusSeconds(6));
        assertThat(ledger.find(carried.id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(ledger.blocksFrom(0)).as("watched for reorgs on the new chain").extracting(RecordedBlock::number).containsExactly(2L);

        assertThat(ledger.carryOver(carried.id(), T0.plusSeconds(7))).as("once").isFalse();
        assertThat(ledger.carryOver(admitted.id(), T0.plusSeconds(7))).as("failed with no transaction").isFalse();
        ledger.adoptChain(BLOCK_B, "0x" + "c3".repeat(32), "the chain was reset again", T0.plusSeconds(8));
        assertThat(ledger.carryOver(grants.get(1).id(), T0.plusSeconds(9))).as("an adoption before the last one's").isFalse();
        assertThat(ledger.find(grants.get(1).id()).orElseThrow().status()).isEqualTo(GrantStatus.FAILED);
        assertThat(ledger.find(carried.id()).orElseThrow().status()).as("paid, and stays so").isEqualTo(GrantStatus.CONFIRMED);
    }

    @Test
    void adoptingAChainWhenNoneIsRecordedRecordsItAndClosesNothing() {
        Grant g = reserved(request(address(151), ip("10.1.5.1"), T0));

        assertThat(ledger.adoptChain(BLOCK_A, BLOCK_A, "reset", T0.plusSeconds(1))).isEqualTo(new LedgerChain.Adoption(false, 0, 0));

        assertThat(ledger.genesis()).contains(BLOCK_A);
        assertThat(ledger.find(g.id()).orElseThrow().status()).isEqualTo(GrantStatus.PENDING);
    }

    @Test
    void adoptingTheSameChainAgainChangesNothingAndAnAdoptionFromAnotherChainIsRefused() {
        ledger.recordGenesis(BLOCK_A, T0);
        ledger.adoptChain(BLOCK_A, BLOCK_B, "reset", T0.plusSeconds(1));
        Grant g = reserved(request(address(150), ip("10.1.5.0"), T0.plusSeconds(2)));

        assertThat(ledger.adoptChain(BLOCK_A, BLOCK_B, "reset", T0.plusSeconds(3))).isEqualTo(new LedgerChain.Adoption(false, 0, 0));
        assertThat(ledger.adoptChain(BLOCK_B, BLOCK_B, "reset", T0.plusSeconds(3))).as("the ledger's own chain")
                .isEqualTo(new LedgerChain.Adoption(false, 0, 0));
        assertThat(ledger.find(g.id()).orElseThrow().status()).isEqualTo(GrantStatus.PENDING);
        String other = "0x" + "c3".repeat(32);
        assertThatThrownBy(() -> ledger.adoptChain(BLOCK_A, other, "reset", T0.plusSeconds(4))).isInstanceOf(IllegalStateException.class);
        assertThat(ledger.genesis()).contains(BLOCK_B);
        assertThat(ledger.find(g.id()).orElseThrow().status()).isEqualTo(GrantStatus.PENDING);
    }

    @Test
    void aPassesInclusionsAndConfirmationsAreRecordedTogetherAndAStepAGrantDoesNotAllowIsLeftOut() {
        List<Grant> grants = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Grant g = reserved(request(address(130 + i), ip("10.1.3." + i), T0));
            ledger.markSigned(g.id(), signed(g, i, 130 + i), T0.plusSeconds(1), lease);
            ledger.markSubmitted(g.id(), T0.plusSeconds(2));
            grants.add(g);
        }
        ledger.markIncluded(grants.get(0).id(), hash(130), 40, BLOCK_A, T0.plusSeconds(3));
        ledger.markFailed(grants.get(3).id(), "dropped", T0.plusSeconds(3));

        Settlements.Settled settled = ledger.settle(
                List.of(new Settlements.Inclusion(grants.get(1).id(), hash(131), 41, BLOCK_B),
                        new Settlements.Inclusion(grants.get(2).id(), hash(999), 41, BLOCK_B),
                        new Settlements.Inclusion(grants.get(3).id(), hash(133), 41, BLOCK_B)),
                List.of(new Settlements.Confirmation(grants.get(0).id(), hash(130), 40),
                        new Settlements.Confirmation(grants.get(1).id(), hash(131), 41)),
                T0.plusSeconds(4));

        assertThat(settled.firstConfirmed()).containsExactlyInAnyOrder(grants.get(0).id(), grants.get(1).id());
        assertThat(settled.refused()).containsOnlyKeys(grants.get(2).id(), grants.get(3).id());
        Grant second = ledger.find(grants.get(1).id()).orElseThrow();
        assertThat(second.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(second.blockHash()).contains(BLOCK_B);
        assertThat(ledger.find(grants.get(0).id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(ledger.find(grants.get(2).id()).orElseThrow().blockNumber()).as("a hash it never had").isEmpty();
        assertThat(ledger.find(grants.get(3).id()).orElseThrow().status()).isEqualTo(GrantStatus.FAILED);
        assertThat(ledger.settle(List.of(), List.of(), T0.plusSeconds(5)).firstConfirmed()).isEmpty();
    }

    @Test
    void aPassOfMoreGrantsThanOneWriteCarriesSettlesEveryOneWithBothItsStepsInOrder() {
        // more than two of the SQL stores' settle writes, with a grant's confirmation listed far from its inclusion
        int n = 75;
        List<Grant> grants = new ArrayList<>();
        List<PaymentRecords.Signing> signings = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Grant g = reserved(request(address(300 + i), ip("10." + (40 + i) + ".0.1"), T0));
            grants.add(g);
            signings.add(new PaymentRecords.Signing(g.id(), signed(g, i, 300 + i)));
        }
        ledger.markSigned(signings, T0.plusSeconds(1), lease);
        grants.forEach(g -> ledger.markSubmitted(g.id(), T0.plusSeconds(2)));
        List<Settlements.Inclusion> inclusions = new ArrayList<>();
        List<Settlements.Confirmation> confirmations = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // the grant at 51 names a hash it never had: left out alone
            inclusions.add(new Settlements.Inclusion(grants.get(i).id(), hash(i == 51 ? 999 : 300 + i), 40 + i % 3, BLOCK_B));
        }
        for (int i = n - 1; i >= 0; i -= 2) {
            confirmations.add(new Settlements.Confirmation(grants.get(i).id(), hash(300 + i), 40 + i % 3));
        }

        Settlements.Settled settled = ledger.settle(inclusions, confirmations, T0.plusSeconds(3));

        assertThat(settled.refused()).containsOnlyKeys(grants.get(51).id());
        assertThat(settled.firstConfirmed()).hasSize(confirmations.size())
                .containsExactlyInAnyOrderElementsOf(confirmations.stream().map(Settlements.Confirmation::id).toList());
        for (int i = 0; i < n; i++) {
            Grant now = ledger.find(grants.get(i).id()).orElseThrow();
            if (i == 51) {
                assertThat(now.status()).isEqualTo(GrantStatus.SUBMITTED);
                assertThat(now.blockNumber()).as("a hash it never had").isEmpty();
            } else {
                assertThat(now.status()).as("grant %d", i).isEqualTo(i % 2 == 0 ? GrantStatus.CONFIRMED : GrantStatus.SUBMITTED);
                assertThat(now.blockNumber()).as("grant %d", i).contains(40L + i % 3);
                assertThat(now.blockHash()).as("grant %d", i).contains(BLOCK_B);
            }
        }
    }

    @Test
    void aBatchUnderALostLeaseStoresNoneOfIt() {
        Grant one = reserved(request(address(65), ip("10.0.6.5"), T0));
        Grant two = reserved(request(address(66), ip("10.0.6.6"), T0));
        leases.release(lease);

        assertThatThrownBy(() -> ledger.markSigned(List.of(new PaymentRecords.Signing(one.id(), signed(one, 0, 1)),
                new PaymentRecords.Signing(two.id(), signed(two, 1, 2))), T0.plusSeconds(1), lease))
                .isInstanceOf(LeaseLostException.class);
        assertThat(ledger.unfinishedCounts()).containsEntry(GrantStatus.PENDING, 2L).containsEntry(GrantStatus.SIGNED, 0L);
    }

    @Test
    void signingAfterTheLeaseExpiredByTheStoresClockStoresNothingWhateverTimeTheSignerSays() throws Exception {
        Grant grant = reserved(request(address(61), ip("10.0.6.1"), T0));
        leases.release(lease);
        Lease shortLease = leases.acquire("payer", "payer-session", Duration.ofMillis(200)).orElseThrow();
        Thread.sleep(400);

        // a payer whose clock is hours behind still believes in its lease: the store does not
        Instant hoursBehind = Instant.now().minus(Duration.ofHours(3));
        assertThatThrownBy(() -> ledger.markSigned(grant.id(), signed(grant, 0, 1), hoursBehind, shortLease))
                .isInstanceOf(LeaseLostException.class);
        assertThat(ledger.find(grant.id()).orElseThrow().status()).isEqualTo(GrantStatus.PENDING);
    }

    @Test
    void signingUnderALiveLeaseIsStoredWhateverTimeTheSignerSays() {
        Grant ahead = reserved(request(address(63), ip("10.0.6.3"), T0));
        Grant behind = reserved(request(address(64), ip("10.0.6.4"), T0));

        // the lease's time is the store's: a signer's clock hours off neither voids nor extends it
        ledger.markSigned(ahead.id(), signed(ahead, 0, 1), Instant.now().plus(Duration.ofHours(3)), lease);
        ledger.markSigned(behind.id(), signed(behind, 1, 1), Instant.now().minus(Duration.ofHours(3)), lease);

        assertThat(ledger.find(ahead.id()).orElseThrow().status()).isEqualTo(GrantStatus.SIGNED);
        assertThat(ledger.find(behind.id()).orElseThrow().status()).isEqualTo(GrantStatus.SIGNED);
    }

    @Test
    void aReplacementUnderALostLeaseStoresNothing() {
        Grant grant = reserved(request(address(62), ip("10.0.6.2"), T0));
        ledger.markSigned(grant.id(), signed(grant, 0, 1), T0.plusSeconds(1), lease);
        ledger.markSubmitted(grant.id(), T0.plusSeconds(2));
        leases.release(lease);
        Lease next = leases.acquire("other", "other-session", FOREVER).orElseThrow();

        assertThatThrownBy(() -> ledger.recordReplacement(grant.id(), signed(grant, 0, 2), T0.plusSeconds(60), lease))
                .isInstanceOf(LeaseLostException.class);
        assertThat(ledger.find(grant.id()).orElseThrow().txHashes()).hasSize(1);
        ledger.recordReplacement(grant.id(), signed(grant, 0, 2), T0.plusSeconds(61), next);
        assertThat(ledger.find(grant.id()).orElseThrow().txHashes()).hasSize(2);
    }

    @Test
    void aReservationIsRecordedAsPending() {
        Reservation reservation = reserve(request(address(1), ip("10.0.0.1"), T0), LIMITS);

        assertThat(reservation).isInstanceOf(Reservation.Reserved.class);
        Grant grant = ((Reservation.Reserved) reservation).grant();
        assertThat(grant.status()).isEqualTo(GrantStatus.PENDING);
        assertThat(grant.amount()).isEqualTo(DRIP);
        assertThat(grant.createdAt()).isEqualTo(T0);
        assertThat(ledger.find(grant.id())).contains(grant);
    }

    @Test
    void fiftyParallelIdenticalRequestsReserveExactlyOneGrant() throws Exception {
        List<Reservation> results = inParallel(50, i -> request(address(7), ip("10.0.0.7"), T0));

        assertThat(results).filteredOn(Reservation.Reserved.class::isInstance).hasSize(1);
        assertThat(results).filteredOn(Reservation.Refused.class::isInstance).hasSize(49)
                .allSatisfy(r -> assertThat(scope(r)).isEqualTo(LimitScope.ADDRESS));
        assertThat(ledger.search(all())).hasSize(1);
    }

    @Test
    void fiftyParallelRequestsWithOneIdempotencyKeyReserveOnceAndReplayTheRest() throws Exception {
        List<Reservation> results = inParallel(50,
                i -> request(address(8), ip("10.0.0.8"), T0, Optional.of("key-8"), "hash-8"));

        List<Reservation> reserved = results.stream().filter(Reservation.Reserved.class::isInstance).toList();
        assertThat(reserved).hasSize(1);
        GrantId id = ((Reservation.Reserved) reserved.getFirst()).grant().id();
        assertThat(results).filteredOn(Reservation.Replayed.class::isInstance).hasSize(49)
                .allSatisfy(r -> assertThat(((Reservation.Replayed) r).existing().id()).isEqualTo(id));
    }

    @Test
    void parallelRequestsAtAQuotasEdgeGetExactlyTheQuota() throws Exception {
        List<Reservation> fromOneIp = inParallel(30, i -> request(address(100 + i), ip("10.0.0.9"), T0));

        assertThat(fromOneIp).filteredOn(Reservation.Reserved.class::isInstance).hasSize(10);
        assertThat(fromOneIp).filteredOn(Reservation.Refused.class::isInstance).hasSize(20)
                .allSatisfy(r -> assertThat(r).isEqualTo(refused(LimitScope.IP, T0.plus(DAY))));

        // the daily cap: 5 drips left of it, 20 recipients from 20 clients asking at once
        TestAdmission fiveDripsLeft = new TestAdmission(10, 1, DRIP.times(15), DRIP);
        List<Reservation> underTheCap = inParallel(20, i -> request(address(200 + i), ip("10.0.1." + i), T0), fiveDripsLeft);

        assertThat(underTheCap).filteredOn(Reservation.Reserved.class::isInstance).hasSize(5);
        assertThat(underTheCap).filteredOn(Reservation.Refused.class::isInstance).hasSize(15)
                .allSatisfy(r -> assertThat(scope(r)).isEqualTo(LimitScope.DAILY_CAP));
        assertThat(ledger.search(all())).hasSize(15);
    }

    @Test
    void parallelReservationsEachDrawFromTheBudgetTheOneBeforeLeft() throws Exception {
        // as in eachGrantDrawsItsPayoutFromTheBudgetAndTheGovernorScalesInDebt, with the last eight asking at once
        OutflowPolicy outflow = new OutflowPolicy(Wei.ofDyt("240"), Wei.ofDyt("20"), new BigDecimal("0.1"));
        List<AdmissionRule> governed = List.of(new OutflowGovernorRule(outflow));
        reserved(request(address(1), ip("10.0.0.1"), T0), governed, outflow);
        reserved(request(address(2), ip("10.0.0.2"), T0), governed, outflow);
        Instant later = T0.plus(Duration.ofMinutes(30));

        List<Reservation> results = inParallel(8, i -> request(address(10 + i), ip("10.0.1." + i), later),
                r -> TestAdmission.of(governed, DRIP, outflow, r));

        // whoever came first, the payouts are those of eight requests one after another
        assertThat(results).filteredOn(Reservation.Reserved.class::isInstance)
                .extracting(r -> ((Reservation.Reserved) r).grant().amount())
                .containsExactlyInAnyOrder(DRIP, Wei.ofDyt("7.75"), Wei.ofDyt("4.262"), Wei.ofDyt("2.344"), Wei.ofDyt("1.289"));
        assertThat(results).filteredOn(Reservation.Refused.class::isInstance).hasSize(3)
                .allSatisfy(r -> assertThat(scope(r)).isEqualTo(LimitScope.DAILY_CAP));
        // 5 DYT refilled, 10 + 10 + 25.645 drawn: 20 - 45.645 + 5
        assertThat(ledger.budget(outflow, later)).isEqualTo(Wei.ofDyt("20.645").value().negate());
    }

    @Test
    void aReservationWhoseRulesFailLeavesNothingAndFailsNoneOfThoseAskedWithIt() throws Exception {
        // the first reservation holds the ledger's step until the others wait for it: a ledger that writes
        // waiting reservations together writes these in one go
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ReservationRequest first = request(address(1), ip("10.0.0.1"), T0);
        LedgerAdmission firstRules = LIMITS.of(first);
        List<Future<Reservation>> answers = new ArrayList<>();
        answers.add(startWaiting(() -> ledger.reserve(first, new LedgerAdmission() {
            @Override
            public OutflowPolicy outflow() {
                return firstRules.outflow();
            }

            @Override
            public Decision decide(LedgerWindow window) {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return firstRules.decide(window);
            }
        })));
        holding.await();
        List<ReservationRequest> others = List.of(
                request(address(2), ip("10.0.0.2"), T0),
                request(address(2), ip("10.0.0.3"), T0),
                request(address(3), ip("10.0.0.4"), T0),
                request(address(4), ip("10.0.0.5"), T0));
        for (ReservationRequest r : others) {
            LedgerAdmission rules = r.address().equals(address(3)) ? failing() : LIMITS.of(r);
            answers.add(startWaiting(() -> ledger.reserve(r, rules)));
        }
        release.countDown();

        assertThat(answers.getFirst().get()).isInstanceOf(Reservation.Reserved.class);
        // two requests for one address: one reserved, the other refused, whichever came first
        List<Reservation> sameAddress = List.of(answers.get(1).get(), answers.get(2).get());
        assertThat(sameAddress).filteredOn(Reservation.Reserved.class::isInstance).hasSize(1);
        assertThat(sameAddress).filteredOn(Reservation.Refused.class::isInstance).singleElement()
                .satisfies(r -> assertThat(scope(r)).isEqualTo(LimitScope.ADDRESS));
        assertThatThrownBy(() -> answers.get(3).get()).hasRootCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("a rule failed");
        assertThat(answers.get(4).get()).isInstanceOf(Reservation.Reserved.class);
        assertThat(ledger.search(all())).extracting(Grant::address)
                .containsExactlyInAnyOrder(address(1), address(2), address(4));
        assertThat(ledger.budget(TestAdmission.UNLIMITED, T0))
                .isEqualTo(TestAdmission.UNLIMITED.initial().subtract(DRIP.value().multiply(BigInteger.valueOf(3))));
    }

    private static LedgerAdmission failing() {
        return new LedgerAdmission() {
            @Override
            public OutflowPolicy outflow() {
                return TestAdmission.UNLIMITED;
            }

            @Override
            public Decision decide(LedgerWindow window) {
                throw new IllegalStateException("a rule failed");
            }
        };
    }

    /** Starts {@code work} on a thread of its own and returns once that thread waits (inside the ledger). */
    private static Future<Reservation> startWaiting(java.util.concurrent.Callable<Reservation> work)
            throws InterruptedException {
        java.util.concurrent.FutureTask<Reservation> task = new java.util.concurrent.FutureTask<>(work);
        Thread thread = new Thread(task);
        thread.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Set.of(Thread.State.WAITING, Thread.State.BLOCKED, Thread.State.TIMED_WAITING).contains(thread.getState())
                && !task.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        return task;
    }

    @Test
    void anIdempotencyKeyReplaysTheFirstGrantAndRecordsNothing() {
        Grant first = reserved(request(address(1), ip("10.0.0.1"), T0, Optional.of("k1"), "h1"));

        Reservation again = reserve(
                request(address(1), ip("10.0.0.1"), T0.plusSeconds(5), Optional.of("k1"), "another hash"), LIMITS);

        assertThat(again).isEqualTo(new Reservation.Replayed(first));
        assertThat(ledger.findByIdempotencyKey("k1")).contains(first);
        assertThat(ledger.search(all())).hasSize(1);
    }

    @Test
    void thePerIpLimitRefusesWithTheTimeItsOldestGrantLeavesTheWindow() {
        TestAdmission twoPerIp = new TestAdmission(2, 5, Wei.ofDyt("10000"), DRIP);
        reserved(request(address(1), ip("10.0.0.1"), T0), twoPerIp);
        reserved(request(address(2), ip("10.0.0.1"), T0.plusSeconds(60)), twoPerIp);

        Reservation third = reserve(request(address(3), ip("10.0.0.1"), T0.plusSeconds(120)), twoPerIp);

        assertThat(third).isEqualTo(refused(LimitScope.IP, T0.plus(DAY)));
        assertThat(reserve(request(address(3), ip("10.0.0.2"), T0.plusSeconds(120)), twoPerIp))
                .isInstanceOf(Reservation.Reserved.class);
    }

    @Test
    void thePerAddressLimitRefusesAnotherGrantToTheSameAddress() {
        reserved(request(address(1), ip("10.0.0.1"), T0));

        Reservation second = reserve(request(address(1), ip("10.0.0.2"), T0.plusSeconds(30)), LIMITS);

        assertThat(second).isEqualTo(refused(LimitScope.ADDRESS, T0.plus(DAY)));
    }

    @Test
    void theResetTimeIsExactlyWhenTheRequestWouldBeAllowed() {
        Instant created = T0.plusMillis(123);
        reserved(request(address(1), ip("10.0.0.1"), created));

        Reservation justBefore = reserve(request(address(1), ip("10.0.0.1"), created.plus(DAY).minusMillis(1)),
                LIMITS);
        assertThat(justBefore).isEqualTo(refused(LimitScope.ADDRESS, created.plus(DAY)));

        assertThat(reserve(request(address(1), ip("10.0.0.1"), created.plus(DAY)), LIMITS))
                .isInstanceOf(Reservation.Reserved.class);
    }

    @Test
    void whenTheLimitWasLoweredTheResetWaitsForEnoughGrantsToLeave() {
        TestAdmission three = new TestAdmission(3, 5, Wei.ofDyt("10000"), DRIP);
        for (int i = 0; i < 3; i++) {
            reserved(request(address(i), ip("10.0.0.1"), T0.plusSeconds(i)), three);
        }
        TestAdmission two = new TestAdmission(2, 5, Wei.ofDyt("10000"), DRIP);

        assertThat(reserve(request(address(9), ip("10.0.0.1"), T0.plusSeconds(10)), two))
                .isEqualTo(refused(LimitScope.IP, T0.plusSeconds(1).plus(DAY)));
    }

    @Test
    void theDailyCapCountsExactAmountsOfEveryRecipient() {
        // 10 DYT is 10^19 wei, more than a 64-bit integer holds: the sum must stay exact.
        TestAdmission cap = new TestAdmission(10, 1, Wei.ofDyt("30"), DRIP);
        reserved(request(address(1), ip("10.0.0.1"), T0), cap);
        reserved(request(address(2), ip("10.0.0.2"), T0.plusSeconds(10)), cap);
        reserved(request(address(3), ip("10.0.0.3"), T0.plusSeconds(20)), cap);

        Reservation big = reserve(request(address(4), ip("10.0.0.4"), T0.plusSeconds(30)), cap.withDrip(Wei.ofDyt("20")));

        // 30 paid + 20 asked: two of the three grants must leave before 20 more fit under 30.
        assertThat(big).isEqualTo(refused(LimitScope.DAILY_CAP, T0.plusSeconds(10).plus(DAY)));
        assertThat(reserve(request(address(4), ip("10.0.0.4"), T0.plusSeconds(30)), cap))
                .isEqualTo(refused(LimitScope.DAILY_CAP, T0.plus(DAY)));
    }

    @Test
    void theDailyCapCountsAGrantMadeInTheWindowsFirstMinuteAfterItsStartAndNotOneBefore() {
        TestAdmission cap = new TestAdmission(10, 1, Wei.ofDyt("20"), DRIP);
        reserved(request(address(1), ip("10.0.0.1"), T0.plusSeconds(10)), cap);
        reserved(request(address(2), ip("10.0.0.2"), T0.plusSeconds(30)), cap);
        Instant dayLater = T0.plus(DAY).plusSeconds(20);

        // the grant of 12:00:10 has left the window, the one of 12:00:30 has not
        assertThat(reserve(request(address(3), ip("10.0.0.3"), dayLater), cap.withDrip(Wei.ofDyt("20"))))
                .isEqualTo(refused(LimitScope.DAILY_CAP, T0.plusSeconds(30).plus(DAY)));
        assertThat(reserve(request(address(3), ip("10.0.0.3"), dayLater), cap)).isInstanceOf(Reservation.Reserved.class);
    }

    @Test
    void aGrantThatFailedGivesItsShareOfTheDailyCapBack() {
        TestAdmission cap = new TestAdmission(10, 1, Wei.ofDyt("20"), DRIP);
        reserved(request(address(1), ip("10.0.0.1"), T0), cap);
        Grant failed = reserved(request(address(2), ip("10.0.0.2"), T0.plusSeconds(1)), cap);
        assertThat(reserve(request(address(3), ip("10.0.0.3"), T0.plusSeconds(2)), cap))
                .extracting(r -> scope(r)).isEqualTo(LimitScope.DAILY_CAP);

        assertThat(ledger.abandon(failed.id(), "node unavailable before signing", T0.plusSeconds(3))).isTrue();

        assertThat(reserve(request(address(3), ip("10.0.0.3"), T0.plusSeconds(4)), cap)).isInstanceOf(Reservation.Reserved.class);
    }

    @Test
    void theDailyCapAllowsAGrantThatReachesItExactly() {
        TestAdmission cap = new TestAdmission(10, 1, Wei.ofDyt("20"), DRIP);
        reserved(request(address(1), ip("10.0.0.1"), T0), cap);

        assertThat(reserve(request(address(2), ip("10.0.0.2"), T0.plusSeconds(1)), cap))
                .isInstanceOf(Reservation.Reserved.class);
    }

    @Test
    void whenSeveralLimitsAreFullTheIpIsNamedFirstThenTheAddress() {
        TestAdmission tight = new TestAdmission(1, 1, Wei.ofDyt("10"), DRIP);
        reserved(request(address(1), ip("10.0.0.1"), T0), tight);

        assertThat(reserve(request(address(1), ip("10.0.0.1"), T0.plusSeconds(1)), tight))
                .extracting(r -> scope(r)).isEqualTo(LimitScope.IP);
        assertThat(reserve(request(address(1), ip("10.0.0.2"), T0.plusSeconds(1)), tight))
                .extracting(r -> scope(r)).isEqualTo(LimitScope.ADDRESS);
        assertThat(reserve(request(address(2), ip("10.0.0.2"), T0.plusSeconds(1)), tight))
                .extracting(r -> scope(r)).isEqualTo(LimitScope.DAILY_CAP);
    }

    @Test
    void aQuotaIsJudgedByItsLimitThNewestCountingGrantHoweverManyTheWindowHolds() {
        List<AdmissionRule> open = List.of(QuotaRule.perSubnet(100));
        reserved(request(address(0), ip("198.51.100.200"), T0), open); // out of the window when the others are judged
        for (int i = 1; i <= 5; i++) {
            reserved(request(address(i), ip("198.51.100." + i), T0.plusSeconds(i)), open);
        }
        Grant failed = reserved(request(address(6), ip("198.51.100.6"), T0.plusSeconds(6)), open);
        ledger.abandon(failed.id(), "never sent", T0.plusSeconds(7));
        Instant now = T0.plus(DAY).plusMillis(500);

        assertThat(reserve(request(address(9), ip("198.51.100.9"), now), List.of(QuotaRule.perSubnet(1))))
                .isEqualTo(refused(LimitScope.SUBNET, T0.plusSeconds(5).plus(DAY)));
        assertThat(reserve(request(address(9), ip("198.51.100.9"), now), List.of(QuotaRule.perSubnet(4))))
                .isEqualTo(refused(LimitScope.SUBNET, T0.plusSeconds(2).plus(DAY)));
        assertThat(reserve(request(address(9), ip("198.51.100.9"), now), List.of(QuotaRule.perSubnet(5))))
                .isEqualTo(refused(LimitScope.SUBNET, T0.plusSeconds(1).plus(DAY)));
        assertThat(reserve(request(address(9), ip("198.51.100.9"), now), List.of(QuotaRule.perSubnet(0))))
                .isEqualTo(refused(LimitScope.SUBNET, now.plus(DAY)));
        assertThat(reserve(request(address(9), ip("198.51.100.9"), now), List.of(QuotaRule.perSubnet(6))))
                .isInstanceOf(Reservation.Reserved.class);
    }

    @Test
    void aFailedGrantGivesItsQuotaBack() {
        TestAdmission cap = new TestAdmission(1, 1, Wei.ofDyt("10"), DRIP);
        Grant grant = reserved(request(address(1), ip("10.0.0.1"), T0), cap);
        ledger.markSigned(grant.id(), signed(grant, 0, 1), T0.plusSeconds(1), lease);
        ledger.markSubmitted(grant.id(), T0.plusSeconds(2));

        ledger.markFailed(grant.id(), "reverted", T0.plusSeconds(3));

        assertThat(reserve(request(address(1), ip("10.0.0.1"), T0.plusSeconds(4)), cap))
                .isInstanceOf(Reservation.Reserved.class);
    }

    @Test
    void theCountOfQuotaReleasesMovesAtOnceWhenAGrantFailsOrIsAbandonedAndOnlyThen() {
        TestAdmission cap = new TestAdmission(1, 1, Wei.ofDyt("10"), DRIP);
        long start = ledger.quotaReleases();
        Grant paid = reserved(request(address(1), ip("10.0.0.1"), T0), cap);
        Grant given = reserved(request(address(2), ip("10.0.0.2"), T0));
        assertThat(reserve(request(address(1), ip("10.0.0.3"), T0.plusSeconds(1)), cap)).isInstanceOf(Reservation.Refused.class);
        ledger.markSigned(paid.id(), signed(paid, 0, 1), T0.plusSeconds(1), lease);
        ledger.markSubmitted(paid.id(), T0.plusSeconds(2));
        // reservations, refusals, signing and sending only add to what the quotas count
        assertThat(ledger.quotaReleases()).isEqualTo(start);

        ledger.markFailed(paid.id(), "reverted", T0.plusSeconds(3));
        long afterFailure = ledger.quotaReleases();
        assertThat(afterFailure).isNotEqualTo(start);

        assertThat(ledger.abandon(given.id(), "node unavailable before signing", T0.plusSeconds(4))).isTrue();
        assertThat(ledger.quotaReleases()).isNotEqualTo(afterFailure).isNotEqualTo(start);
    }

    @Test
    void abandoningFailsAPendingGrantOnlyNeverOneSignedMeanwhile() {
        Grant given = reserved(request(address(1), ip("10.0.0.1"), T0));
        Grant signedMeanwhile = reserved(request(address(2), ip("10.0.0.1"), T0));
        ledger.markSigned(signedMeanwhile.id(), signed(signedMeanwhile, 0, 1), T0.plusSeconds(1), lease);

        assertThat(ledger.abandon(given.id(), "node unavailable before signing", T0.plusSeconds(2))).isTrue();
        assertThat(ledger.abandon(signedMeanwhile.id(), "node unavailable before signing", T0.plusSeconds(2))).isFalse();

        Grant failed = ledger.find(given.id()).orElseThrow();
        assertThat(failed.status()).isEqualTo(GrantStatus.FAILED);
        assertThat(failed.failureReason()).contains("node unavailable before signing");
        assertThat(ledger.find(signedMeanwhile.id()).orElseThrow().status()).isEqualTo(GrantStatus.SIGNED);
        assertThat(ledger.abandon(given.id(), "again", T0.plusSeconds(3))).isFalse();
        assertThatThrownBy(() -> ledger.abandon(GrantId.random(), "x", T0)).isInstanceOf(NoSuchElementException.class);
        // the abandoned grant stops counting against the quota
        assertThat(ledger.unfinished()).extracting(Grant::id).containsExactly(signedMeanwhile.id());
    }

    @Test
    void anUnknownGrantCannotChange() {
        GrantId unknown = GrantId.random();

        assertThatThrownBy(() -> ledger.markFailed(unknown, "x", T0)).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> ledger.markSubmitted(unknown, T0)).isInstanceOf(NoSuchElementException.class);
        assertThat(ledger.find(unknown)).isEmpty();
        assertThat(ledger.findByIdempotencyKey("nobody")).isEmpty();
    }

    @Test
    void signingStoresTheRawTransactionItsSenderNonceFeesAndHash() {
        Grant grant = reserved(request(address(1), ip("10.0.0.1"), T0));
        SignedTransaction tx = signed(grant, 41, 1);

        ledger.markSigned(grant.id(), tx, T0.plusSeconds(1), lease);

        Grant stored = ledger.find(grant.id()).orElseThrow();
        assertThat(stored.status()).isEqualTo(GrantStatus.SIGNED);
        assertThat(stored.rawTransaction()).contains(tx.rawHex());
        assertThat(stored.fromAddress()).contains(FAUCET);
        assertThat(stored.nonce()).contains(41L);
        assertThat(stored.fees()).contains(tx.fees());
        assertThat(stored.txHashes()).containsExactly(tx.hash());
        assertThat(stored.currentHash()).contains(tx.hash());
        assertThat(stored.updatedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(stored.lastSentAt()).isEmpty();
    }

    @Test
    void legacyFeesAreKeptToo() {
        Grant grant = reserved(request(address(1), ip("10.0.0.1"), T0));
        SignedTransaction tx = signed(grant, 0, 1, new Fees.Legacy(Wei.of(3_000_000_000L)));

        ledger.markSigned(grant.id(), tx, T0.plusSeconds(1), lease);

        assertThat(ledger.find(grant.id()).orElseThrow().fees()).contains(new Fees.Legacy(Wei.of(3_000_000_000L)));
    }

    @Test
    void submittingRecordsWhenItWasLastSent() {
        Grant grant = reserved(request(address(1), ip("10.0.0.1"), T0));
        ledger.markSigned(grant.id(), signed(grant, 0, 1), T0.plusSeconds(1), lease);

        ledger.markSubmitted(grant.id(), T0.plusSeconds(2));
        assertThat(ledger.find(grant.id()).orElseThrow().lastSentAt()).contains(T0.plusSeconds(2));
        // a re-broadcast of the same bytes restarts the wait before the next re-pricing
        ledger.markSubmitted(grant.id(), T0.plusSeconds(9));

        Grant stored = ledger.find(grant.id()).orElseThrow();
        assertThat(stored.status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(stored.txHashes()).hasSize(1);
        assertThat(stored.lastSentAt()).contains(T0.plusSeconds(9));
    }

    @Test
    void everyHashIsKeptAcrossReplacementsAndTheOneThatLandedIsRecorded() {
        Grant grant = reserved(request(address(1), ip("10.0.0.1"), T0));
        SignedTransaction first = signed(grant, 5, 1);
        ledger.markSigned(grant.id(), first, T0.plusSeconds(1), lease);
        ledger.markSubmitted(grant.id(), T0.plusSeconds(2));
        SignedTransaction second = signed(grant, 5, 2);
        SignedTransaction third = signed(grant, 5, 3);

        ledger.recordReplacement(grant.id(), second, T0.plusSeconds(60), lease);
        ledger.recordReplacement(grant.id(), third, T0.plusSeconds(120), lease);

        Grant replaced = ledger.find(grant.id()).orElseThrow();
        assertThat(replaced.txHashes()).containsExactly(first.hash(), second.hash(), third.hash());
        assertThat(replaced.rawTransaction()).contains(third.rawHex());
        assertThat(replaced.fees()).contains(third.fees());
        assertThat(replaced.currentHash()).contains(third.hash());
        assertThat(replaced.lastSentAt()).contains(T0.plusSeconds(120));

        // the second one was mined after all
        ledger.markConfirmed(grant.id(), second.hash(), 1234, T0.plusSeconds(130));

        Grant confirmed = ledger.find(grant.id()).orElseThrow();
        assertThat(confirmed.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(confirmed.landedHash()).contains(second.hash());
        assertThat(confirmed.currentHash()).contains(second.hash());
        assertThat(confirmed.blockNumber()).contains(1234L);
        assertThat(confirmed.txHashes()).containsExactly(first.hash(), second.hash(), third.hash());
    }

    @Test
    void anIncludedGrantShowsItsBlockWhileSubmittedAndKeepsTheBlockHashWhenConfirmed() {
        Grant grant = reserved(request(address(1), ip("10.0.0.1"), T0));
        SignedTransaction tx = signed(grant, 5, 1);
        ledger.markSigned(grant.id(), tx, T0.plusSeconds(1), lease);
        ledger.markSubmitted(grant.id(), T0.plusSeconds(2));

        ledger.markIncluded(grant.id(), tx.hash(), 40, BLOCK_A, T0.plusSeconds(3));

        Grant included = ledger.find(grant.id()).orElseThrow();
        assertThat(included.status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(included.blockNumber()).contains(40L);
        assertThat(included.blockHash()).contains(BLOCK_A);
        assertThat(included.landedHash()).contains(tx.hash());
        assertThat(ledger.unfinished()).extracting(Grant::id).containsExactly(grant.id());

        ledger.markConfirmed(grant.id(), tx.hash(), 40, T0.plusSeconds(4));
        Grant confirmed = ledger.find(grant.id()).orElseThrow();
        assertThat(confirmed.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(confirmed.blockHash()).contains(BLOCK_A);
        assertThatThrownBy(() -> ledger.markIncluded(grant.id(), hash(77), 41, BLOCK_B, T0.plusSeconds(5)))
                .isInstanceOf(IllegalGrantTransitionException.class);
    }

    @Test
    void aReorgReopensAConfirmedGrantWhichStillCountsAgainstItsQuota() {
        Grant grant = reserved(request(address(1), ip("10.0.0.1"), T0));
        SignedTransaction tx = signed(grant, 5, 1);
        ledger.markSigned(grant.id(), tx, T0.plusSeconds(1), lease);
        ledger.markSubmitted(grant.id(), T0.plusSeconds(2));
        ledger.markIncluded(grant.id(), tx.hash(), 40, BLOCK_A, T0.plusSeconds(3));
        assertThat(ledger.markConfirmed(grant.id(), tx.hash(), 40, T0.plusSeconds(4))).as("first confirmation").isTrue();

        ledger.reopen(grant.id(), T0.plusSeconds(5));

        Grant reopened = ledger.find(grant.id()).orElseThrow();
        assertThat(reopened.status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(reopened.blockNumber()).isEmpty();
        assertThat(reopened.blockHash()).isEmpty();
        assertThat(reopened.landedHash()).isEmpty();
        assertThat(reopened.txHashes()).containsExactly(tx.hash());
        assertThat(reopened.rawTransaction()).contains(tx.rawHex());
        assertThat(ledger.unfinished()).extracting(Grant::id).containsExactly(grant.id());
        assertThat(reserve(request(address(1), ip("10.0.0.2"), T0.plusSeconds(6)), LIMITS))
                .isInstanceOf(Reservation.Refused.class);
        // a grant in no block cannot be re-opened
        assertThatThrownBy(() -> ledger.reopen(grant.id(), T0.plusSeconds(7)))
                .isInstanceOf(IllegalArgumentException.class);

        ledger.markIncluded(grant.id(), tx.hash(), 41, BLOCK_B, T0.plusSeconds(8));
        assertThat(ledger.markConfirmed(grant.id(), tx.hash(), 41, T0.plusSeconds(9)))
                .as("confirmed again after the reorg: not a first confirmation").isFalse();
        Grant again = ledger.find(grant.id()).orElseThrow();
        assertThat(again.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(again.blockNumber()).contains(41L);
        assertThat(again.blockHash()).contains(BLOCK_B);
    }

    @Test
    void aGrantReopenedBeforeItWasConfirmedIsConfirmedForTheFirstTimeOnce() {
        Grant grant = reserved(request(address(1), ip("10.0.0.1"), T0));
        SignedTransaction tx = signed(grant, 5, 1);
        ledger.markSigned(grant.id(), tx, T0.plusSeconds(1), lease);
        ledger.markSubmitted(grant.id(), T0.plusSeconds(2));
        ledger.markIncluded(grant.id(), tx.hash(), 40, BLOCK_A, T0.plusSeconds(3));
        ledger.reopen(grant.id(), T0.plusSeconds(4));
        ledger.markIncluded(grant.id(), tx.hash(), 41, BLOCK_B, T0.plusSeconds(5));

        assertThat(ledger.markConfirmed(grant.id(), tx.hash(), 41, T0.plusSeconds(6))).isTrue();
        ledger.reopen(grant.id(), T0.plusSeconds(7));
        ledger.markIncluded(grant.id(), tx.hash(), 42, BLOCK_A, T0.plusSeconds(8));
        assertThat(ledger.markConfirmed(grant.id(), tx.hash(), 42, T0.plusSeconds(9))).isFalse();
    }

    @Test
    void grantsInRecentBlocksAreListedForTheReorgWatch() {
        Grant old = reserved(request(address(1), ip("10.0.0.1"), T0));
        Grant recent = reserved(request(address(2), ip("10.0.0.1"), T0));
        Grant included = reserved(request(address(3), ip("10.0.0.1"), T0));
        Grant waiting = reserved(request(address(4), ip("10.0.0.1"), T0));
        List<Grant> all = List.of(old, recent, included, waiting);
        for (int n = 0; n < all.size(); n++) {
            ledger.markSigned(all.get(n).id(), signed(all.get(n), n, n + 1), T0.plusSeconds(1), lease);
        }
        ledger.markIncluded(old.id(), hash(1), 10, BLOCK_A, T0.plusSeconds(2));
        ledger.markConfirmed(old.id(), hash(1), 10, T0.plusSeconds(2));
        ledger.markIncluded(recent.id(), hash(2), 21, BLOCK_B, T0.plusSeconds(2));
        ledger.markConfirmed(recent.id(), hash(2), 21, T0.plusSeconds(2));
        ledger.markIncluded(included.id(), hash(3), 20, BLOCK_A, T0.plusSeconds(2));

        assertThat(ledger.inBlocksFrom(20)).extracting(Grant::id).containsExactly(included.id(), recent.id());
        assertThat(ledger.inBlocksFrom(22)).isEmpty();
        assertThat(ledger.blocksFrom(20)).containsExactly(new RecordedBlock(20, BLOCK_A, Set.of(FAUCET)),
                new RecordedBlock(21, BLOCK_B, Set.of(FAUCET)));
        assertThat(ledger.blocksFrom(22)).isEmpty();
    }

    @Test
    void theNoncesOfASendersGrantsInRecentBlocksAreHeldForTheReorgWatch() {
        Grant old = reserved(request(address(1), ip("10.0.0.1"), T0));
        Grant confirmed = reserved(request(address(2), ip("10.0.0.1"), T0));
        Grant included = reserved(request(address(3), ip("10.0.0.1"), T0));
        Grant reopened = reserved(request(address(4), ip("10.0.0.1"), T0));
        Grant signedOnly = reserved(request(address(5), ip("10.0.0.1"), T0));
        List<Grant> all = List.of(old, confirmed, included, reopened, signedOnly);
        for (int n = 0; n < all.size(); n++) {
            ledger.markSigned(all.get(n).id(), signed(all.get(n), n, n + 1), T0.plusSeconds(1), lease);
        }
        ledger.markIncluded(old.id(), hash(1), 10, BLOCK_A, T0.plusSeconds(2));
        ledger.markConfirmed(old.id(), hash(1), 10, T0.plusSeconds(2));
        ledger.markIncluded(confirmed.id(), hash(2), 21, BLOCK_B, T0.plusSeconds(2));
        ledger.markConfirmed(confirmed.id(), hash(2), 21, T0.plusSeconds(2));
        ledger.markIncluded(included.id(), hash(3), 20, BLOCK_A, T0.plusSeconds(2));
        ledger.markIncluded(reopened.id(), hash(4), 22, BLOCK_A, T0.plusSeconds(2));
        ledger.reopen(reopened.id(), T0.plusSeconds(3));

        assertThat(ledger.noncesInBlocksFrom(FAUCET, 20)).containsExactlyInAnyOrder(1L, 2L);
        assertThat(ledger.noncesInBlocksFrom(FAUCET, 0)).containsExactlyInAnyOrder(0L, 1L, 2L);
        assertThat(ledger.noncesInBlocksFrom(FAUCET, 22)).isEmpty();
        assertThat(ledger.noncesInBlocksFrom(address(0xbb), 0)).as("another sender's").isEmpty();
    }

    @Test
    void theBlocksOfRecentGrantsAreListedOncePerBlockAndHash() {
        Grant first = reserved(request(address(1), ip("10.0.0.1"), T0));
        Grant second = reserved(request(address(2), ip("10.0.0.2"), T0));
        Grant reorged = reserved(request(address(3), ip("10.0.0.3"), T0));
        ledger.markSigned(first.id(), signed(first, 0, 1), T0.plusSeconds(1), lease);
        ledger.markSigned(second.id(), signed(second, 1, 2), T0.plusSeconds(1), lease);
        ledger.markSigned(reorged.id(), signed(reorged, 2, 3), T0.plusSeconds(1), lease);
        ledger.markIncluded(first.id(), hash(1), 30, BLOCK_A, T0.plusSeconds(2));
        ledger.markIncluded(second.id(), hash(2), 30, BLOCK_A, T0.plusSeconds(2));
        ledger.markIncluded(reorged.id(), hash(3), 30, BLOCK_B, T0.plusSeconds(2));

        assertThat(ledger.blocksFrom(30)).containsExactlyInAnyOrder(new RecordedBlock(30, BLOCK_A, Set.of(FAUCET)),
                new RecordedBlock(30, BLOCK_B, Set.of(FAUCET)));
    }

    @Test
    void pendingGrantsAreOwedByTheirAgeOnTheStoresClockWhateverTheAdmittingInstancesClockSaid() throws Exception {
        // admitted by instances whose clocks are months behind and hours ahead of the store's
        Grant older = reserved(request(address(1), ip("10.0.0.1"), T0));
        Grant signedOne = reserved(request(address(2), ip("10.0.0.2"), Instant.now().plus(Duration.ofHours(3))));
        Grant newer = reserved(request(address(3), ip("10.0.0.3"), Instant.now().plus(Duration.ofHours(3))));
        ledger.markSigned(signedOne.id(), signed(signedOne, 0, 1), T0.plusSeconds(3), lease);

        assertThat(ledger.pendingOlderThan(Duration.ofMinutes(10))).as("admitted just now by the store's clock").isEmpty();
        // an age of a second: the store's write and read of the latest below must not outlast it (with 200 ms a loaded
        // machine could make the latest old enough already)
        Duration age = Duration.ofSeconds(1);
        Thread.sleep(age.toMillis() + 50);
        assertThat(ledger.pendingOlderThan(age)).extracting(Grant::id).containsExactly(older.id(), newer.id());
        Grant latest = reserved(request(address(4), ip("10.0.0.4"), T0.minus(DAY)));
        assertThat(ledger.pendingOlderThan(age)).as("admitted last, though its clock said earliest")
                .extracting(Grant::id).containsExactly(older.id(), newer.id());
        Thread.sleep(age.toMillis() + 50);
        assertThat(ledger.pendingOlderThan(age)).extracting(Grant::id)
                .containsExactly(older.id(), newer.id(), latest.id());
    }

    @Test
    void aReplacementMustKeepTheNonceAndBeNew() {
        Grant grant = reserved(request(address(1), ip("10.0.0.1"), T0));
        SignedTransaction first = signed(grant, 5, 1);
        ledger.markSigned(grant.id(), first, T0.plusSeconds(1), lease);
        ledger.markSubmitted(grant.id(), T0.plusSeconds(2));

        assertThatThrownBy(() -> ledger.recordReplacement(grant.id(), signed(grant, 6, 2), T0.plusSeconds(3), lease))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ledger.recordReplacement(grant.id(), first, T0.plusSeconds(3), lease))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ledger.find(grant.id()).orElseThrow().txHashes()).containsExactly(first.hash());
    }

    @Test
    void aConfirmationMustNameAHashTheGrantHad() {
        Grant grant = reserved(request(address(1), ip("10.0.0.1"), T0));
        ledger.markSigned(grant.id(), signed(grant, 0, 1), T0.plusSeconds(1), lease);

        assertThatThrownBy(() -> ledger.markConfirmed(grant.id(), hash(99), 10, T0.plusSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ledger.find(grant.id()).orElseThrow().status()).isEqualTo(GrantStatus.SIGNED);
    }

    @Test
    void aTransactionPayingSomeoneElseIsNotRecorded() {
        Grant grant = reserved(request(address(1), ip("10.0.0.1"), T0));
        SignedTransaction elsewhere = new SignedTransaction(FAUCET,
                new UnsignedTransaction(31337, 0, address(2), DRIP, UnsignedTransaction.TRANSFER_GAS, eip1559()),
                "0x02aa", hash(1));

        assertThatThrownBy(() -> ledger.markSigned(grant.id(), elsewhere, T0.plusSeconds(1), lease))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ledger.find(grant.id())).contains(grant);
    }

    @Test
    void illegalTransitionsAreRefusedAndChangeNothing() {
        Grant pending = reserved(request(address(1), ip("10.0.0.1"), T0));

        assertThatThrownBy(() -> ledger.markSubmitted(pending.id(), T0.plusSeconds(1)))
                .isInstanceOf(IllegalGrantTransitionException.class);
        assertThatThrownBy(() -> ledger.markConfirmed(pending.id(), hash(1), 1, T0.plusSeconds(1)))
                .isInstanceOf(IllegalGrantTransitionException.class);
        assertThat(ledger.find(pending.id())).contains(pending);

        ledger.markSigned(pending.id(), signed(pending, 0, 1), T0.plusSeconds(1), lease);
        assertThatThrownBy(() -> ledger.markSigned(pending.id(), signed(pending, 0, 2), T0.plusSeconds(2), lease))
                .isInstanceOf(IllegalGrantTransitionException.class);

        ledger.markFailed(pending.id(), "nonce too low", T0.plusSeconds(3));
        Grant failed = ledger.find(pending.id()).orElseThrow();
        assertThat(failed.failureReason()).contains("nonce too low");
        assertThatThrownBy(() -> ledger.markConfirmed(pending.id(), hash(1), 1, T0.plusSeconds(4)))
                .isInstanceOf(IllegalGrantTransitionException.class);
        assertThatThrownBy(() -> ledger.markFailed(pending.id(), "again", T0.plusSeconds(4)))
                .isInstanceOf(IllegalGrantTransitionException.class);
        assertThatThrownBy(() -> ledger.recordReplacement(pending.id(), signed(pending, 0, 3), T0.plusSeconds(4), lease))
                .isInstanceOf(IllegalGrantTransitionException.class);
        assertThat(ledger.find(pending.id())).contains(failed);
    }

    @Test
    void unfinishedGrantsComeOldestFirstWithoutFinishedOnes() {
        Grant late = reserved(request(address(1), ip("10.0.0.1"), T0.plusSeconds(30)));
        Grant early = reserved(request(address(2), ip("10.0.0.1"), T0.plusSeconds(10)));
        Grant middle = reserved(request(address(3), ip("10.0.0.1"), T0.plusSeconds(20)));
        Grant done = reserved(request(address(4), ip("10.0.0.1"), T0));
        Grant sameTimeAsMiddle = reserved(request(address(5), ip("10.0.0.1"), T0.plusSeconds(20)));
        ledger.markSigned(middle.id(), signed(middle, 0, 1), T0.plusSeconds(40), lease);
        ledger.markSigned(done.id(), signed(done, 1, 2), T0.plusSeconds(40), lease);
        ledger.markConfirmed(done.id(), hash(2), 7, T0.plusSeconds(50));

        assertThat(ledger.unfinished()).extracting(Grant::id)
                .containsExactly(early.id(), middle.id(), sameTimeAsMiddle.id(), late.id());
        assertThat(ledger.unfinishedCounts()).containsExactlyInAnyOrderEntriesOf(
                java.util.Map.of(GrantStatus.PENDING, 3L, GrantStatus.SIGNED, 1L, GrantStatus.SUBMITTED, 0L));
    }

    @Test
    void paymentsInFlightAreTheSignedAndSubmittedGrantsOldestFirstWithTheirHashesAndWhatAPassLooksAt() {
        Grant pending = reserved(request(address(1), ip("10.0.0.1"), T0));
        Grant signedOnly = reserved(request(address(2), ip("10.0.0.1"), T0.plusSeconds(20)));
        Grant sent = reserved(request(address(3), ip("10.0.0.1"), T0.plusSeconds(10)));
        Grant included = reserved(request(address(4), ip("10.0.0.1"), T0.plusSeconds(30)));
        Grant done = reserved(request(address(5), ip("10.0.0.1"), T0.plusSeconds(5)));
        ledger.markSigned(List.of(new PaymentRecords.Signing(signedOnly.id(), signed(signedOnly, 3, 3)),
                new PaymentRecords.Signing(sent.id(), signed(sent, 4, 4)),
                new PaymentRecords.Signing(included.id(), signed(included, 5, 5)),
                new PaymentRecords.Signing(done.id(), signed(done, 6, 6))), T0.plusSeconds(40), lease);
        ledger.markSubmitted(sent.id(), T0.plusSeconds(41));
        ledger.markSubmitted(included.id(), T0.plusSeconds(42));
        ledger.recordReplacement(included.id(), signed(included, 5, 7), T0.plusSeconds(42), lease);
        ledger.markIncluded(included.id(), hash(5), 9, BLOCK_A, T0.plusSeconds(43));
        ledger.markConfirmed(done.id(), hash(6), 8, T0.plusSeconds(44));

        assertThat(ledger.inFlight()).containsExactly(
                new Payment(sent.id(), GrantStatus.SUBMITTED, FAUCET, 4, List.of(hash(4)), Optional.empty(), Optional.empty(),
                        T0.plusSeconds(41)),
                new Payment(signedOnly.id(), GrantStatus.SIGNED, FAUCET, 3, List.of(hash(3)), Optional.empty(), Optional.empty(),
                        T0.plusSeconds(40)),
                new Payment(included.id(), GrantStatus.SUBMITTED, FAUCET, 5, List.of(hash(5), hash(7)), Optional.of(9L),
                        Optional.of(hash(5)), T0.plusSeconds(42)));
        assertThat(ledger.inFlight()).extracting(Payment::id).doesNotContain(pending.id(), done.id());
    }

    @Test
    void theHighestNonceIgnoresGrantsThatFailedBeforeBeingSent() {
        Address other = address(0xbb);
        Grant a = reserved(request(address(1), ip("10.0.0.1"), T0));
        Grant b = reserved(request(address(2), ip("10.0.0.1"), T0.plusSeconds(1)));
        Grant c = reserved(request(address(3), ip("10.0.0.1"), T0.plusSeconds(2)));
        assertThat(ledger.highestNonce(FAUCET)).isEqualTo(OptionalLong.empty());

        ledger.markSigned(a.id(), signed(a, 7, 1), T0.plusSeconds(3), lease);
        ledger.markSubmitted(a.id(), T0.plusSeconds(3));
        ledger.markFailed(a.id(), "reverted", T0.plusSeconds(4));
        ledger.markSigned(b.id(), signed(b, 8, 2), T0.plusSeconds(5), lease);
        ledger.markSigned(c.id(), signed(c, 9, 3), T0.plusSeconds(6), lease);
        ledger.markFailed(c.id(), "insufficient funds", T0.plusSeconds(7));

        assertThat(ledger.highestNonce(FAUCET)).isEqualTo(OptionalLong.of(8));
        assertThat(ledger.highestNonce(other)).isEqualTo(OptionalLong.empty());
    }

    @Test
    void aSearchByIpFindsThatIpAloneNotItsNeighboursOfTheSameSubnet() {
        Grant v6 = reserved(request(address(1), ip("2001:db8:1:2::1"), T0));
        reserved(request(address(2), ip("2001:db8:1:2::2"), T0.plusSeconds(1)));
        Grant v4 = reserved(request(address(3), ip("192.0.2.7"), T0.plusSeconds(2)));
        reserved(request(address(4), ip("192.0.2.8"), T0.plusSeconds(3)));

        assertThat(ledger.search(new GrantQuery(Optional.empty(), Optional.of(ip("2001:db8:1:2::1")), Optional.empty(),
                Optional.empty(), 10))).extracting(Grant::id).containsExactly(v6.id());
        assertThat(ledger.search(new GrantQuery(Optional.empty(), Optional.of(ip("192.0.2.7")), Optional.empty(),
                Optional.empty(), 10))).extracting(Grant::id).containsExactly(v4.id());
    }

    @Test
    void searchFiltersAndShowsNewestFirst() {
        Grant g1 = reserved(request(address(1), ip("10.0.0.1"), T0));
        Grant g2 = reserved(request(address(2), ip("10.0.0.2"), T0.plusSeconds(10)));
        Grant g3 = reserved(request(address(3), ip("10.0.0.1"), T0.plusSeconds(20)));
        ledger.markFailed(g3.id(), "balance", T0.plusSeconds(21));

        assertThat(ledger.search(all())).extracting(Grant::id).containsExactly(g3.id(), g2.id(), g1.id());
        assertThat(ledger.search(new GrantQuery(Optional.empty(), Optional.of(ip("10.0.0.1")), Optional.empty(),
                Optional.empty(), 10))).extracting(Grant::id).containsExactly(g3.id(), g1.id());
        assertThat(ledger.search(new GrantQuery(Optional.empty(), Optional.empty(), Optional.of(address(2)),
                Optional.empty(), 10))).extracting(Grant::id).containsExactly(g2.id());
        assertThat(ledger.search(new GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(GrantStatus.PENDING), 10))).extracting(Grant::id).containsExactly(g2.id(), g1.id());
        assertThat(ledger.search(new GrantQuery(Optional.of(T0.plusSeconds(10)), Optional.empty(), Optional.empty(),
                Optional.empty(), 10))).extracting(Grant::id).containsExactly(g3.id(), g2.id());
        assertThat(ledger.search(new GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), 2))).extracting(Grant::id).containsExactly(g3.id(), g2.id());
    }

    @Test
    void theSuspiciousRuleSeesFingerprintsAndGrantsOfTheClientInTheLastHour() {
        ClientIp attacker = ip("203.0.113.9");
        ledger.recordFingerprint(new Fingerprint(attacker, attacker.client(64), address(1), "curl/8", "fp1", "rate_limit", T0));
        ledger.recordFingerprint(new Fingerprint(attacker, attacker.client(64), address(2), "curl/8", "fp1", "rate_limit", T0.plusSeconds(5)));
        ledger.recordFingerprint(new Fingerprint(attacker, attacker.client(64), address(2), "curl/8", "fp1", "rate_limit", T0.plusSeconds(6)));
        ledger.recordFingerprint(new Fingerprint(ip("10.0.0.1"), ip("10.0.0.1").client(64), address(4), "firefox", "fp2", "granted", T0));
        // refused for a block: not counted (the block stops the client; these rows are the flood's bulk)
        for (int i = 0; i < 3; i++) {
            ledger.recordFingerprint(new Fingerprint(attacker, attacker.client(64), address(20 + i), "curl/8", "fp1", Fingerprint.BLOCKED,
                    T0.plusSeconds(6)));
        }
        List<AdmissionRule> fourPerHour = List.of(new SuspiciousActivityRule(4));
        reserved(request(address(3), attacker, T0.plusSeconds(7)), fourPerHour);

        // addresses 1, 2 and 3 seen, plus this one: at the limit, not over it
        assertThat(reserve(request(address(5), attacker, T0.plusSeconds(8)), fourPerHour))
                .isInstanceOf(Reservation.Reserved.class);
        assertThat(reserve(request(address(6), attacker, T0.plusSeconds(9)), fourPerHour))
                .isEqualTo(refused(LimitScope.SUSPICIOUS, T0.plus(Duration.ofHours(1))));
        assertThat(reserve(request(address(6), ip("10.0.0.1"), T0.plusSeconds(9)), fourPerHour))
                .isInstanceOf(Reservation.Reserved.class);
        // at the reset time address 1 has left the window (its start is exclusive, like the quota windows)
        assertThat(reserve(request(address(6), attacker, T0.plus(Duration.ofHours(1))), fourPerHour))
                .isInstanceOf(Reservation.Reserved.class);
    }

    @Test
    void anIpv6ClientIsCountedByItsPrefixAndASubnetByItsNetwork() {
        TestAdmission onePerClient = new TestAdmission(1, 100, Wei.ofDyt("10000"), DRIP);
        reserved(request(address(1), ip("2001:db8:1:2::1"), T0), onePerClient);

        assertThat(reserve(request(address(2), ip("2001:db8:1:2:ffff::9"), T0.plusSeconds(1)), onePerClient))
                .isEqualTo(refused(LimitScope.IP, T0.plus(DAY)));
        assertThat(reserve(request(address(2), ip("2001:db8:1:3::1"), T0.plusSeconds(1)), onePerClient))
                .isInstanceOf(Reservation.Reserved.class);

        List<AdmissionRule> twoPerSubnet = List.of(QuotaRule.perSubnet(2));
        reserved(request(address(3), ip("198.51.100.1"), T0), twoPerSubnet);
        reserved(request(address(4), ip("198.51.100.2"), T0.plusSeconds(1)), twoPerSubnet);
        assertThat(reserve(request(address(5), ip("198.51.100.250"), T0.plusSeconds(2)), twoPerSubnet))
                .isEqualTo(refused(LimitScope.SUBNET, T0.plus(DAY)));
        assertThat(reserve(request(address(5), ip("198.51.101.1"), T0.plusSeconds(2)), twoPerSubnet))
                .isInstanceOf(Reservation.Reserved.class);
        // the /48 of IPv6: 2001:db8:1:2:: and 2001:db8:1:3:: above are one subnet
        assertThat(reserve(request(address(6), ip("2001:db8:1:ffff::1"), T0.plusSeconds(3)), twoPerSubnet))
                .isEqualTo(refused(LimitScope.SUBNET, T0.plus(DAY)));
    }

    @Test
    void eachGrantDrawsItsPayoutFromTheBudgetAndTheGovernorScalesInDebt() {
        // 240 DYT a day is 10 DYT an hour; the buffer (and the debt limit) is 20 DYT
        OutflowPolicy outflow = new OutflowPolicy(Wei.ofDyt("240"), Wei.ofDyt("20"), new BigDecimal("0.1"));
        List<AdmissionRule> governed = List.of(new OutflowGovernorRule(outflow));
        assertThat(ledger.budget(outflow, T0)).isEqualTo(Wei.ofDyt("20").value());

        Grant full = reserved(request(address(1), ip("10.0.0.1"), T0), governed, outflow);
        Grant alsoFull = reserved(request(address(2), ip("10.0.0.2"), T0), governed, outflow);
        assertThat(full.amount()).isEqualTo(DRIP);
        assertThat(full.factors()).isEmpty();
        assertThat(alsoFull.factors()).isEmpty();
        assertThat(ledger.budget(outflow, T0)).isEqualTo(BigInteger.ZERO);

        Grant third = reserved(request(address(3), ip("10.0.0.3"), T0.plus(Duration.ofMinutes(30))), governed, outflow);
        // half an hour refilled 5 DYT: no debt yet, full payout, budget now 5 DYT in debt
        assertThat(third.amount()).isEqualTo(DRIP);
        Grant fourth = reserved(request(address(4), ip("10.0.0.4"), T0.plus(Duration.ofMinutes(30))), governed, outflow);
        // 5 of 20 DYT of debt: 1 - 0.9 * 0.25 = 0.775
        assertThat(fourth.factors()).containsExactly(new Factor("governor", new BigDecimal("0.775")));
        assertThat(fourth.amount()).isEqualTo(Wei.ofDyt("7.75"));
        assertThat(ledger.find(fourth.id())).get().extracting(Grant::factors)
                .isEqualTo(List.of(new Factor("governor", new BigDecimal("0.775"))));

        Grant fifth = reserved(request(address(5), ip("10.0.0.5"), T0.plus(Duration.ofMinutes(30))), governed, outflow);
        // 12.75 DYT in debt: 1 - 0.9 * 0.6375, kept to four decimals
        assertThat(fifth.amount()).isEqualTo(Wei.ofDyt("4.262"));
        Grant sixth = reserved(request(address(6), ip("10.0.0.6"), T0.plus(Duration.ofMinutes(30))), governed, outflow);
        Grant seventh = reserved(request(address(7), ip("10.0.0.7"), T0.plus(Duration.ofMinutes(30))), governed, outflow);
        assertThat(sixth.amount()).isEqualTo(Wei.ofDyt("2.344"));
        assertThat(seventh.amount()).isEqualTo(Wei.ofDyt("1.289"));
        // 20.645 DYT in debt: past the debt limit, nothing more until the refill brings it back
        Reservation refused = reserve(request(address(8), ip("10.0.0.8"), T0.plus(Duration.ofMinutes(30))), governed, outflow);
        assertThat(scope(refused)).isEqualTo(LimitScope.DAILY_CAP);
        assertThat(((Refusal.RateLimited) ((Reservation.Refused) refused).refusal()).resetAt())
                .isAfter(T0.plus(Duration.ofMinutes(30)));
    }

    @Test
    void pruneDeletesOnlyOldFinishedGrantsAndOldFingerprints() {
        Grant oldConfirmed = reserved(request(address(1), ip("10.0.0.1"), T0));
        Grant oldFailed = reserved(request(address(2), ip("10.0.0.1"), T0.plusSeconds(1)));
        Grant oldUnfinished = reserved(request(address(3), ip("10.0.0.1"), T0.plusSeconds(2)));
        Grant recentConfirmed = reserved(request(address(4), ip("10.0.0.1"), T0.plus(Duration.ofDays(40))));
        ledger.markSigned(oldConfirmed.id(), signed(oldConfirmed, 0, 1), T0.plusSeconds(3), lease);
        ledger.markConfirmed(oldConfirmed.id(), hash(1), 1, T0.plusSeconds(4));
        ledger.markFailed(oldFailed.id(), "x", T0.plusSeconds(4));
        ledger.markSigned(oldUnfinished.id(), signed(oldUnfinished, 1, 2), T0.plusSeconds(5), lease);
        ledger.markSigned(recentConfirmed.id(), signed(recentConfirmed, 2, 3), T0.plus(Duration.ofDays(40)), lease);
        ledger.markConfirmed(recentConfirmed.id(), hash(3), 2, T0.plus(Duration.ofDays(40)));
        ledger.recordFingerprint(new Fingerprint(ip("10.0.0.1"), ip("10.0.0.1").client(64), address(1), "ua", "fp", "granted", T0));
        ledger.recordFingerprint(new Fingerprint(ip("10.0.0.1"), ip("10.0.0.1").client(64), address(1), "ua", "fp", "granted",
                T0.plus(Duration.ofDays(38))));

        Instant now = T0.plus(Duration.ofDays(41));
        PruneResult result = ledger.prune(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(7)));

        assertThat(result).isEqualTo(new PruneResult(2, 1));
        assertThat(ledger.search(all())).extracting(Grant::id)
                .containsExactlyInAnyOrder(oldUnfinished.id(), recentConfirmed.id());
    }

    // --- helpers -------------------------------------------------------------------------------

    protected static Address address(int n) {
        return new Address("0x%040x".formatted(n));
    }

    protected static ClientIp ip(String text) {
        return ClientIp.parse(text);
    }

    protected static TxHash hash(int n) {
        return new TxHash("0x%064x".formatted(n));
    }

    protected static ReservationRequest request(Address address, ClientIp ip, Instant now) {
        return request(address, ip, now, Optional.empty(), "hash-" + address);
    }

    protected static ReservationRequest request(Address address, ClientIp ip, Instant now, Optional<String> key,
                                                String requestHash) {
        return TestAdmission.request(address, ip, key, requestHash, now);
    }

    protected Reservation reserve(ReservationRequest request, TestAdmission limits) {
        return ledger.reserve(request, limits.of(request));
    }

    protected Reservation reserve(ReservationRequest request, List<AdmissionRule> rules) {
        return reserve(request, rules, TestAdmission.UNLIMITED);
    }

    protected Reservation reserve(ReservationRequest request, List<AdmissionRule> rules, OutflowPolicy outflow) {
        return ledger.reserve(request, TestAdmission.of(rules, DRIP, outflow, request));
    }

    protected Grant reserved(ReservationRequest request, List<AdmissionRule> rules) {
        return reserved(request, rules, TestAdmission.UNLIMITED);
    }

    protected Grant reserved(ReservationRequest request, List<AdmissionRule> rules, OutflowPolicy outflow) {
        Reservation reservation = reserve(request, rules, outflow);
        assertThat(reservation).isInstanceOf(Reservation.Reserved.class);
        return ((Reservation.Reserved) reservation).grant();
    }

    protected static Reservation refused(LimitScope scope, Instant resetAt) {
        return new Reservation.Refused(new Refusal.RateLimited(scope, resetAt));
    }

    protected static LimitScope scope(Reservation r) {
        return ((Refusal.RateLimited) ((Reservation.Refused) r).refusal()).scope();
    }

    protected Grant reserved(ReservationRequest request) {
        return reserved(request, LIMITS);
    }

    protected Grant reserved(ReservationRequest request, TestAdmission limits) {
        Reservation reservation = reserve(request, limits);
        assertThat(reservation).isInstanceOf(Reservation.Reserved.class);
        return ((Reservation.Reserved) reservation).grant();
    }

    protected static Fees eip1559() {
        return new Fees.Eip1559(Wei.of(2_000_000_000L), Wei.of(1_000_000_000L));
    }

    /** A transaction paying {@code grant}; {@code n} makes its hash, raw bytes and fees distinct. */
    protected static SignedTransaction signed(Grant grant, long nonce, int n) {
        return signed(grant, nonce, n, new Fees.Eip1559(Wei.of(2_000_000_000L + n), Wei.of(1_000_000_000L + n)));
    }

    protected static SignedTransaction signed(Grant grant, long nonce, int n, Fees fees) {
        return new SignedTransaction(FAUCET,
                new UnsignedTransaction(31337, nonce, grant.address(), grant.amount(), UnsignedTransaction.TRANSFER_GAS, fees),
                "0x02f8%04x".formatted(n), hash(n));
    }

    protected static GrantQuery all() {
        return new GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 1000);
    }

    private List<Reservation> inParallel(int count, IntFunction<ReservationRequest> requests) throws Exception {
        return inParallel(count, requests, LIMITS);
    }

    private List<Reservation> inParallel(int count, IntFunction<ReservationRequest> requests, TestAdmission limits)
            throws Exception {
        return inParallel(count, requests, limits::of);
    }

    private List<Reservation> inParallel(int count, IntFunction<ReservationRequest> requests,
                                         java.util.function.Function<ReservationRequest, LedgerAdmission> admission)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Reservation>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ReservationRequest request = requests.apply(i);
                futures.add(pool.submit(() -> {
                    start.await();
                    return ledger.reserve(request, admission.apply(request));
                }));
            }
            start.countDown();
            List<Reservation> results = new ArrayList<>();
            for (Future<Reservation> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
