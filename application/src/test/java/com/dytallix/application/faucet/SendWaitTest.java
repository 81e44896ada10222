package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A request waits for the node to take its grant's transaction only so long (the send wait); past
 * it the answer is the grant as stored (202: signed, stored, its transaction hash known) and the send
 * finishes in the background, never beside a second send of the tracker's, and not lost if the
 * process ends before it.
 */
class SendWaitTest {
    /**
     * The send wait of a test whose node takes the send at once: that is answered as sent however loaded the machine
     * (with 50 ms a loaded machine's send thread, started but not yet run, made the answer "still being sent").
     */
    private static final Duration SEND_WAIT = Duration.ofSeconds(10);
    /** The send wait of a test whose node holds the send: the request's wait ends first, and soon. */
    private static final Duration SHORT_SEND_WAIT = Duration.ofMillis(50);
    private final FaucetHarness h = new FaucetHarness();

    SendWaitTest() {
        withSendWait(SEND_WAIT);
    }

    /** The same stores and node with another send wait (a restart of the instance). */
    private void withSendWait(Duration wait) {
        h.with(p -> new FaucetPolicy(p.dripAmount(), p.minBalance(), p.limits(), p.outflow(), p.proofOfWork(), p.ipv6Prefix(),
                p.reputationFactor(), p.fees(), p.replaceAfter(), p.confirmWait(), wait));
    }

    @Test
    void aNodeThatTakesTheSendInTimeIsAnsweredAsSent() {
        DripResult result = h.request(FaucetHarness.address(1), "10.0.0.1");
        assertThat(result.accepted()).isTrue();
        assertThat(result.grant().status()).isEqualTo(GrantStatus.SUBMITTED);
    }

    @Test
    void aSendTheNodeTookIsAnsweredAtOnceWhileItsMoveToSubmittedIsStillBeingWritten() throws Exception {
        h.request(FaucetHarness.address(1), "10.0.0.1"); // the nonces learned, the fees known
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        // the next status change (this grant's move to SUBMITTED) is held before it is written
        h.ledger.interleave(() -> {
            writing.countDown();
            await(released);
        });
        int attemptsBefore = h.chain.sendAttempts();

        DripResult answer = h.drips.request(FaucetHarness.command(FaucetHarness.address(2), "10.0.0.2"));

        assertThat(answer.accepted()).as("200: the node took it; the answer does not wait for the ledger's record of that").isTrue();
        assertThat(answer.grant().status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(writing.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(h.ledger.find(answer.grant().id()).orElseThrow().status()).as("its record not written yet").isEqualTo(GrantStatus.SIGNED);
        assertThat(h.lookup.find(answer.grant().id()).orElseThrow().grant().status())
                .as("looked up meanwhile, it is as its answer said").isEqualTo(GrantStatus.SUBMITTED);
        // the tracker's passes meanwhile leave it to the thread recording its send: no second send
        h.tracker.tick();
        h.tracker.tick();
        assertThat(h.chain.sendAttempts() - attemptsBefore).as("sends on their way to the node").isEqualTo(1);

        released.countDown();
        Grant recorded = await(() -> h.ledger.find(answer.grant().id()).orElseThrow(), g -> g.status() == GrantStatus.SUBMITTED);
        assertThat(recorded.status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(recorded.txHashes()).isEqualTo(answer.grant().txHashes());
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.lookup.find(answer.grant().id()).orElseThrow().grant().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(2))).containsExactly(Wei.ofDyt("10").value());
    }

    @Test
    void aGracefulStopWaitsForTheRecordsOfGrantsAlreadyAnsweredAsSubmitted() throws Exception {
        h.request(FaucetHarness.address(1), "10.0.0.1");
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        h.ledger.interleave(() -> {
            writing.countDown();
            await(released);
        });
        DripResult answer = h.drips.request(FaucetHarness.command(FaucetHarness.address(2), "10.0.0.2"));
        assertThat(answer.grant().status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(writing.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(h.payer.awaitRecords(Duration.ofMillis(50))).as("its record held: the wait says so when its time runs out").isFalse();
        var stopping = java.util.concurrent.CompletableFuture.supplyAsync(() -> h.payer.awaitRecords(Duration.ofSeconds(10)));
        released.countDown();

        assertThat(stopping.get(15, TimeUnit.SECONDS)).as("every answered grant recorded before the ledger may close").isTrue();
        Grant recorded = h.ledger.find(answer.grant().id()).orElseThrow();
        assertThat(recorded.status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(recorded.txHashes()).isEqualTo(answer.grant().txHashes());
        assertThat(h.payer.awaitRecords(Duration.ZERO)).as("none left being recorded").isTrue();
    }

    @Test
    void aGrantAnsweredAsSubmittedWhoseRecordNeverCameIsSignedAndTheNextStartSendsTheSameBytesOnce() throws Exception {
        h.request(FaucetHarness.address(1), "10.0.0.1");
        CountDownLatch released = new CountDownLatch(1);
        // the process ends between the answer and the record (kill -9, or a stop whose wait ran out): the write never lands
        h.ledger.interleave(() -> {
            await(released);
            throw new IllegalStateException("the ledger is closed");
        });
        DripResult answer = h.drips.request(FaucetHarness.command(FaucetHarness.address(2), "10.0.0.2"));
        assertThat(answer.accepted()).isTrue();
        assertThat(answer.grant().status()).isEqualTo(GrantStatus.SUBMITTED);
        released.countDown();
        assertThat(h.payer.awaitRecords(Duration.ofSeconds(10))).as("given up, not waited for forever").isTrue();
        Grant left = h.ledger.find(answer.grant().id()).orElseThrow();
        assertThat(left.status()).as("what the ledger keeps of it: stored, its send not recorded").isEqualTo(GrantStatus.SIGNED);
        assertThat(left.txHashes()).isEqualTo(answer.grant().txHashes());

        Grant sent = sentAgainByTheNextStart(answer);
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(answer.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.accepted(FaucetHarness.FAUCET, sent.nonce().orElseThrow())).as("one transaction for its nonce").hasSize(1);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(2))).as("paid once").containsExactly(Wei.ofDyt("10").value());
    }

    @Test
    void aSlowSendIsAnsweredAsStoredWithItsHashAndFinishesInTheBackgroundOnce() throws Exception {
        h.request(FaucetHarness.address(1), "10.0.0.1"); // the nonces learned, the fees known
        withSendWait(SHORT_SEND_WAIT);
        CountDownLatch released = new CountDownLatch(1);
        h.chain.holdSends(released);
        int sendsBefore = h.chain.sendCount();
        int attemptsBefore = h.chain.sendAttempts();

        Instant asked = Instant.now();
        DripResult answer = h.request(FaucetHarness.address(2), "10.0.0.2");
        Duration took = Duration.between(asked, Instant.now());

        assertThat(answer.accepted()).as("202: stored, not yet taken by the node").isFalse();
        assertThat(answer.grant().status()).isEqualTo(GrantStatus.SIGNED);
        assertThat(answer.grant().txHashes()).as("the hash is known once signed").hasSize(1);
        assertThat(h.ledger.find(answer.grant().id())).as("stored before the answer").contains(answer.grant());
        // the node holds the send up to 30 s: 5 s tells the two apart however slow a loaded machine is over the wait
        assertThat(took).as("answered after the send wait, not the node's time").isLessThan(Duration.ofSeconds(5));

        // the tracker's pass meanwhile leaves the grant to the send in flight: no second send of it
        h.tracker.tick();
        h.tracker.tick();
        assertThat(h.chain.sendAttempts() - attemptsBefore).as("sends on their way to the node").isEqualTo(1);
        released.countDown();
        Grant submitted = await(() -> h.ledger.find(answer.grant().id()).orElseThrow(), g -> g.status() == GrantStatus.SUBMITTED);
        assertThat(submitted.txHashes()).isEqualTo(answer.grant().txHashes());
        assertThat(h.chain.sendCount() - sendsBefore).as("sends that reached the node").isEqualTo(1);

        h.chain.mine();
        h.tracker.tick();
        Grant confirmed = h.ledger.find(answer.grant().id()).orElseThrow();
        assertThat(confirmed.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(confirmed.landedHash()).contains(answer.grant().txHashes().getFirst());
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(2))).containsExactly(Wei.ofDyt("10").value());
        assertThat(h.chain.accepted(FaucetHarness.FAUCET, confirmed.nonce().orElseThrow())).hasSize(1);
    }

    @Test
    void aPassDoesNotSendAgainAGrantItReadAsSignedWhoseRequestSentItMeanwhile() throws Exception {
        h.request(FaucetHarness.address(1), "10.0.0.1"); // the nonces learned, the fees known
        withSendWait(SHORT_SEND_WAIT);
        CountDownLatch released = new CountDownLatch(1);
        h.chain.holdSends(released);
        // counted before the request: its own send, answered 202 after 50 ms, may reach the node only later (a loaded
        // machine's send thread, started but not yet run), and counted after it read that late send as the pass's
        int attemptsBefore = h.chain.sendAttempts();
        DripResult answer = h.request(FaucetHarness.address(2), "10.0.0.2");
        assertThat(answer.grant().status()).as("202: its send held by the node").isEqualTo(GrantStatus.SIGNED);
        // right after the pass has read it as SIGNED, the node takes the request's send and its record is written (under
        // load the pass's receipts and their write take longer than that)
        h.ledger.afterInFlight(() -> {
            released.countDown();
            try {
                await(() -> h.ledger.find(answer.grant().id()).orElseThrow(),
                        g -> g.status() == GrantStatus.SUBMITTED && h.payer.owes(g));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        h.tracker.tick();

        assertThat(h.ledger.find(answer.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(h.chain.sendAttempts() - attemptsBefore).as("the request's send alone, none of the pass: the node has it from its request")
                .isEqualTo(1);
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(answer.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(2))).containsExactly(Wei.ofDyt("10").value());
    }

    @Test
    void theSendWaitBoundsTheWholeAnswerFromArrivalSoASlowStoreLeavesTheSlowSendNoExtraWait() throws Exception {
        h.request(FaucetHarness.address(1), "10.0.0.1"); // the nonces learned, the fees known
        Duration wait = Duration.ofSeconds(2);
        withSendWait(wait);
        h.chain.holdSends(new CountDownLatch(1));
        long[] stored = new long[1];
        long arrived = System.nanoTime();
        // the signing write takes the whole send wait and a little more (a queue for the signer, a slow disk)
        h.ledger.interleaveSigning(() -> {
            sleepUntil(arrived + wait.toNanos() + Duration.ofMillis(100).toNanos());
            stored[0] = System.nanoTime();
        });

        DripResult answer = h.drips.request(new DripCommand(FaucetHarness.address(2), ClientIp.parse("10.0.0.2"), "test-agent",
                Optional.empty(), false, Optional.empty(), arrived));
        long answered = System.nanoTime();

        assertThat(answer.accepted()).as("202: stored, the node has not taken it").isFalse();
        assertThat(answer.grant().status()).isEqualTo(GrantStatus.SIGNED);
        assertThat(answer.grant().txHashes()).as("the hash, as soon as it exists").hasSize(1);
        assertThat(h.ledger.find(answer.grant().id())).as("stored before the answer").contains(answer.grant());
        // counted from the send's start, the request would wait the whole send wait again after its store
        assertThat(Duration.ofNanos(answered - stored[0])).as("answered once stored: the bound was over").isLessThan(wait);
        h.chain.loseHeldSends();
    }

    @Test
    void theArrivalTheEdgeHandsOverCountsAgainstTheSendWait() {
        h.request(FaucetHarness.address(1), "10.0.0.1");
        Duration wait = Duration.ofSeconds(3);
        withSendWait(wait);
        h.chain.holdSends(new CountDownLatch(1));
        // the request reached the server's edge 2.5 s before the service saw it
        long arrived = System.nanoTime() - Duration.ofMillis(2500).toNanos();

        long asked = System.nanoTime();
        DripResult answer = h.drips.request(new DripCommand(FaucetHarness.address(2), ClientIp.parse("10.0.0.2"), "test-agent",
                Optional.empty(), false, Optional.empty(), arrived));
        Duration took = Duration.ofNanos(System.nanoTime() - asked);

        assertThat(answer.accepted()).isFalse();
        assertThat(answer.grant().txHashes()).hasSize(1);
        assertThat(took).as("what was left of the bound (0.5 s), not the whole send wait (3 s) from the send's start")
                .isLessThan(Duration.ofMillis(2500));
        assertThat(took).as("yet the node had what was left: the wait is not cut short before the bound")
                .isGreaterThanOrEqualTo(Duration.ofMillis(400));
        h.chain.loseHeldSends();
    }

    @Test
    void aGrantAnsweredBeforeItsSendReachedTheNodeIsSentOnceByTheNextStart() throws Exception {
        h.request(FaucetHarness.address(1), "10.0.0.1");
        withSendWait(SHORT_SEND_WAIT);
        h.chain.holdSends(new CountDownLatch(1));
        DripResult answer = h.request(FaucetHarness.address(2), "10.0.0.2");
        assertThat(answer.accepted()).isFalse();
        int sendsBefore = h.chain.sendCount();

        // the process dies with the send on its way: the node never sees it; a new process starts on the same ledger
        h.chain.loseHeldSends();
        Grant sent = sentAgainByTheNextStart(answer);
        h.tracker.tick();
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(answer.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.sendCount() - sendsBefore).as("sends that reached the node").isEqualTo(1);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(2))).containsExactly(Wei.ofDyt("10").value());
    }

    private static void sleepUntil(long nanoTime) {
        for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
            java.util.concurrent.locks.LockSupport.parkNanos(left);
        }
    }

    /** Holds the ledger's write that runs this (at most 10 s) until {@code released}. */
    private static void await(CountDownLatch released) {
        try {
            released.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T await(Supplier<T> read, java.util.function.Predicate<T> done) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(10);
        T now = read.get();
        while (!done.test(now) && Instant.now().isBefore(deadline)) {
            Thread.sleep(10);
            now = read.get();
        }
        return now;
    }

    /** The next start, on the same ledger and node: its tracker's first pass sends the grant's stored bytes again. */
    private Grant sentAgainByTheNextStart(DripResult answer) {
        h.restart();
        h.tracker.tick();
        Grant sent = h.ledger.find(answer.grant().id()).orElseThrow();
        assertThat(sent.status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(sent.txHashes()).as("the same signed bytes, sent again").isEqualTo(answer.grant().txHashes());
        return sent;
    }
}
