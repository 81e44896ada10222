package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.grant.TestAdmission;
import com.dytallix.domain.payer.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Two instances on one ledger and one chain: one payer, both admitting; a payer that lost its lease pays nothing. */
class SeveralInstancesTest {
    /** Longer than a PENDING grant is left to the request that reserved it, by the ledger's clock. */
    private static final long OWED = 300;
    private final FaucetHarness first = new FaucetHarness();
    private final FaucetHarness second = new FaucetHarness(first, "second");

    @Test
    void onlyOneInstanceIsThePayerAndStatusNamesIt() {
        assertThat(first.election.isPayer()).isTrue();
        assertThat(second.election.isPayer()).isFalse();
        second.status.refresh();
        assertThat(second.status.instance()).isEqualTo("second");
        assertThat(second.status.payer()).contains("first");
    }

    @Test
    void aGrantAdmittedByANonPayerIsPaidOnceByThePayer() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        Thread payerJobs = Thread.ofPlatform().daemon(true).start(() -> {
            while (running.get()) {
                first.tracker.tick();
                sleep(100);
            }
        });
        try {
            DripResult r = second.request(FaucetHarness.address(1), "10.0.0.1");

            assertThat(r.grant().status()).isEqualTo(GrantStatus.SUBMITTED);
            assertThat(r.accepted()).isTrue();
        } finally {
            running.set(false);
            payerJobs.join();
        }
        first.chain.mine();
        first.tracker.tick();
        second.tracker.tick();
        assertThat(first.chain.paymentsTo(FaucetHarness.parsed(1))).hasSize(1);
        assertThat(first.chain.totalPayments()).isEqualTo(1);
    }

    @Test
    void theNonPayerDoesNothingWithTheLedger() {
        Grant owed = reserve(first, 2, Instant.now().minusSeconds(5));

        second.tracker.tick();
        second.pay(owed);

        assertThat(first.ledger.find(owed.id()).orElseThrow().status()).isEqualTo(GrantStatus.PENDING);
        assertThat(first.chain.totalPayments()).isZero();
    }

    @Test
    void aPayerWhoseLeaseWasTakenOverSignsAndSendsNothingAndTheNewPayerPaysOnce() {
        Lease stale = first.election.held().orElseThrow();
        // the first payer stalls; its lease is given to the second instance behind its back
        first.ledger.leases().release(stale);
        assertThat(second.election.campaign()).isTrue();
        Grant owed = reserve(first, 3, Instant.now().minusSeconds(5));
        sleep(OWED);

        Grant afterStalePay = first.pay(owed);

        assertThat(afterStalePay.status()).isEqualTo(GrantStatus.PENDING);
        assertThat(first.election.isPayer()).as("the fence told the stale payer").isFalse();
        assertThat(first.chain.totalPayments()).isZero();
        second.tracker.tick();
        first.chain.mine();
        second.tracker.tick();
        first.tracker.tick();
        assertThat(first.ledger.find(owed.id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(first.chain.paymentsTo(FaucetHarness.parsed(3))).hasSize(1);
    }

    @Test
    void aGracefulStopHandsTheLeaseOverAtOnce() {
        first.election.resign();

        assertThat(second.election.campaign()).isTrue();
        assertThat(first.election.campaign()).as("a stopped instance does not take it back").isFalse();
    }

    @Test
    void aLeaseNotRenewedRunsOut() {
        var leases = first.ledger.leases();
        var shortLived = new com.dytallix.application.payer.PayerElection(leases, "third", Duration.ofMillis(200), () -> { });
        first.election.resign();
        assertThat(shortLived.campaign()).isTrue();

        sleep(300);

        assertThat(shortLived.isPayer()).isFalse();
        assertThat(second.election.campaign()).isTrue();
    }

    @Test
    void grantsOwedToThePayerAndPaidByManyPassesAtOnceAreEachSignedOnceWithNoNonceGap() throws Exception {
        List<Grant> owed = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            owed.add(reserve(first, 100 + i, Instant.now().minusSeconds(5)));
        }
        sleep(OWED);
        // several passes see the same PENDING grants and queue them together: the batches must sign each once
        List<Thread> passes = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            passes.add(Thread.ofPlatform().start(first.tracker::payOwed));
        }
        for (Thread pass : passes) {
            pass.join();
        }

        List<Long> nonces = owed.stream().map(g -> first.ledger.find(g.id()).orElseThrow())
                .peek(g -> assertThat(g.status()).isEqualTo(GrantStatus.SUBMITTED))
                .map(g -> g.nonce().orElseThrow()).sorted().toList();
        assertThat(nonces).containsExactlyElementsOf(LongStream.range(0, 40).boxed().toList());
        assertThat(first.nonces.gaps(FaucetHarness.FAUCET)).isEmpty();
        first.chain.mine();
        first.tracker.tick();
        assertThat(first.chain.totalPayments()).isEqualTo(40);
        assertThat(first.ledger.unfinished()).isEmpty();
    }

    @Test
    void instancesWhoseClocksAreHoursOffNeitherStealALiveLeaseNorKeepAnExpiredOne() {
        var ahead = new FaucetHarness(first, "ahead", Duration.ofHours(3), Duration.ofMillis(300));
        var behind = new FaucetHarness(first, "behind", Duration.ofHours(-3), Duration.ofMillis(300));
        assertThat(ahead.election.isPayer()).as("the first instance's lease is live, whatever the clock says").isFalse();
        assertThat(behind.election.isPayer()).isFalse();

        first.election.resign();
        assertThat(behind.election.campaign()).isTrue();
        assertThat(ahead.election.campaign()).as("three hours ahead, yet the lease was just taken").isFalse();
        Grant owed = reserve(first, 4, Instant.now().minusSeconds(5));
        sleep(OWED);

        sleep(600); // the 300 ms lease runs out: not renewed
        assertThat(behind.election.isPayer()).as("three hours behind, yet the lease is over").isFalse();
        assertThat(behind.pay(owed).status()).isEqualTo(GrantStatus.PENDING);
        assertThat(first.chain.totalPayments()).isZero();
        assertThat(ahead.election.campaign()).isTrue();
        ahead.tracker.tick();
        first.chain.mine();
        assertThat(first.chain.paymentsTo(FaucetHarness.parsed(4))).hasSize(1);
    }

    @Test
    void aPayerWhoseClockIsHoursBehindPaysAGrantAdmittedElsewhereAtOnce() {
        var behind = new FaucetHarness(first, "behind", Duration.ofHours(-3), Duration.ofSeconds(30));
        first.election.resign();
        assertThat(behind.election.campaign()).isTrue();
        // admitted by an instance on the right time and by one three hours ahead
        Grant onTime = reserve(second, 5, Instant.now());
        Grant fromAhead = reserve(second, 6, Instant.now().plus(Duration.ofHours(3)));

        sleep(OWED);
        behind.tracker.payOwed();

        assertThat(first.ledger.find(onTime.id()).orElseThrow().status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(first.ledger.find(fromAhead.id()).orElseThrow().status()).isEqualTo(GrantStatus.SUBMITTED);
        first.chain.mine();
        assertThat(first.chain.totalPayments()).isEqualTo(2);
    }

    private static Grant reserve(FaucetHarness h, int i, Instant at) {
        var request = TestAdmission.request(FaucetHarness.parsed(i), com.dytallix.domain.ClientIp.parse("10.0.1." + i),
                java.util.Optional.empty(), "hash-" + i, at);
        var r = h.ledger.reserve(request, TestAdmission.GENEROUS.of(request));
        return ((com.dytallix.domain.grant.Reservation.Reserved) r).grant();
    }

    @Test
    void aNonPayersGrantThePayerSignedButTheNodeHasNotTakenIsAnsweredWithItsHashOnceTheSendWaitIsOver() throws Exception {
        Duration sendWait = Duration.ofMillis(50);
        for (FaucetHarness instance : List.of(first, second)) {
            instance.with(p -> new FaucetPolicy(p.dripAmount(), p.minBalance(), p.limits(), p.outflow(), p.proofOfWork(),
                    p.ipv6Prefix(), p.reputationFactor(), p.fees(), p.replaceAfter(), p.confirmWait(), sendWait));
        }
        assertThat(second.election.isPayer()).isFalse();
        CountDownLatch nodeBusy = new CountDownLatch(1);
        first.chain.holdSends(nodeBusy);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread payerJobs = Thread.ofPlatform().daemon(true).start(() -> {
            while (running.get()) {
                first.tracker.payOwed();
                sleep(10);
            }
        });
        DripResult answer;
        long millis;
        try {
            long start = System.nanoTime();
            answer = second.drips.request(FaucetHarness.command(FaucetHarness.address(5), "10.0.0.5"));
            millis = (System.nanoTime() - start) / 1_000_000;
        } finally {
            nodeBusy.countDown();
            running.set(false);
            payerJobs.join();
        }

        // signed and stored by the payer, not taken by the node within the send wait: 202 with the hash, as the
        // payer answers its own requests, not a second later
        assertThat(answer.accepted()).isFalse();
        assertThat(answer.grant().status()).isEqualTo(GrantStatus.SIGNED);
        assertThat(answer.grant().txHashes()).hasSize(1);
        assertThat(millis).as("ms to the answer").isLessThan(700);
        first.payer.awaitRecords(Duration.ofSeconds(5));
        // released, the held send carries on on the payer's sending thread: the block is mined once the node
        // has the transaction (mined before, on a busy machine, it missed it: 4 runs in 150)
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (first.chain.poolSize() == 0 && System.nanoTime() < deadline) {
            sleep(5);
        }
        first.tracker.tick();
        first.chain.mine();
        first.tracker.tick();
        assertThat(first.chain.paymentsTo(FaucetHarness.parsed(5))).hasSize(1);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
