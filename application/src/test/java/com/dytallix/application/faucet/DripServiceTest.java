package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.InvalidAddressException;
import com.dytallix.domain.TestClock;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.sync.NodeFailure;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DripServiceTest {
    private final FaucetHarness h = new FaucetHarness();

    @Test
    void aGrantIsSignedStoredSentAndThenConfirmed() {
        DripResult result = h.request(FaucetHarness.address(1), "10.0.0.1");
        assertThat(result.accepted()).isTrue();
        assertThat(result.grant().status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(result.grant().txHashes()).hasSize(1);
        // the answer is the grant as stored, not a guess: a later read says the same
        assertThat(h.ledger.find(result.grant().id())).contains(result.grant());
        h.chain.mine();
        h.tracker.tick();
        var grant = h.ledger.find(result.grant().id()).orElseThrow();
        assertThat(grant.status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(grant.landedHash()).contains(result.grant().txHashes().getFirst());
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(1))).containsExactly(Wei.ofDyt("10").value());
    }

    @Test
    void aMalformedAddressChangesNothing() {
        assertThatThrownBy(() -> h.request("0x1234", "10.0.0.1")).isInstanceOf(InvalidAddressException.class);
        assertThat(h.ledger.unfinished()).isEmpty();
        assertThat(h.outcomes("10.0.0.1")).isEmpty();
    }

    @Test
    void fiftyIdenticalParallelRequestsPayOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<Callable<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(() -> {
                try {
                    h.request(FaucetHarness.address(7), "10.0.0.7");
                    return true;
                } catch (FaucetRefusal r) {
                    assertThat(r.kind()).isEqualTo(FaucetRefusal.Kind.RATE_LIMITED);
                    return false;
                }
            });
        }
        long granted = 0;
        for (Future<Boolean> f : pool.invokeAll(calls)) {
            if (f.get()) {
                granted++;
            }
        }
        pool.shutdown();
        h.chain.mine();
        assertThat(granted).isEqualTo(1);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(7))).hasSize(1);
    }

    @Test
    void twoHundredConcurrentGrantsUseConsecutiveNoncesAndAllLand() throws Exception {
        FaucetHarness wide = new FaucetHarness(new FaucetPolicy.Limits(1000, 100_000, 1, Wei.ofDyt("100000"), 1000));
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Callable<DripResult>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int n = i;
            calls.add(() -> wide.request(FaucetHarness.address(n), "10.1.0." + (n % 250)));
        }
        List<Long> nonces = new ArrayList<>();
        for (Future<DripResult> f : pool.invokeAll(calls)) {
            nonces.add(f.get().grant().nonce().orElseThrow());
        }
        pool.shutdown();
        assertThat(nonces).doesNotHaveDuplicates().hasSize(200);
        assertThat(nonces.stream().mapToLong(Long::longValue).max().orElseThrow()).isEqualTo(199);
        wide.chain.mine();
        wide.tracker.tick();
        assertThat(wide.chain.totalPayments()).isEqualTo(200);
        for (int i = 0; i < 200; i++) {
            assertThat(wide.chain.paymentsTo(FaucetHarness.parsed(i))).hasSize(1);
        }
        assertThat(wide.ledger.unfinished()).isEmpty();
    }

    @Test
    void idempotencyKeyReplaysTheFirstAnswerAndPaysNothingMore() {
        var cmd = new DripCommand(FaucetHarness.address(3), ClientIp.parse("10.0.0.3"), "ua", Optional.of("key-1"), false, Optional.empty());
        DripResult first = h.request(cmd);
        DripResult again = h.request(cmd);
        assertThat(again.grant().id()).isEqualTo(first.grant().id());
        h.chain.mine();
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(3))).hasSize(1);
        var other = new DripCommand(FaucetHarness.address(4), ClientIp.parse("10.0.0.3"), "ua", Optional.of("key-1"), false, Optional.empty());
        assertThatThrownBy(() -> h.request(other))
                .isInstanceOfSatisfying(FaucetRefusal.class, r -> assertThat(r.kind()).isEqualTo(FaucetRefusal.Kind.IDEMPOTENCY_CONFLICT));
    }

    @Test
    void pausedFaucetRefusesAndRecordsTheFingerprint() {
        h.controls.pause(Optional.of("maintenance"), Instant.now());
        assertThatThrownBy(() -> h.request(FaucetHarness.address(1), "10.0.0.1"))
                .isInstanceOfSatisfying(FaucetRefusal.class, r -> {
                    assertThat(r.kind()).isEqualTo(FaucetRefusal.Kind.PAUSED);
                    assertThat(r.getMessage()).isEqualTo("maintenance");
                });
        assertThat(h.outcomes("10.0.0.1")).containsExactly("paused");
        assertThat(h.chain.sendCount()).isZero();
    }

    @Test
    void aFingerprintsHashIsTheSha256OfIpAddressAndUserAgentAsItAlwaysWas() throws Exception {
        h.controls.pause(Optional.of("maintenance"), Instant.now());
        String address = "0x" + "aB".repeat(20).toLowerCase(java.util.Locale.ROOT);
        assertThatThrownBy(() -> h.request(new DripCommand(address, ClientIp.parse("10.0.0.7"), "Mözilla/5.0 \"x\"",
                Optional.empty(), false, Optional.empty()))).isInstanceOf(FaucetRefusal.class);
        byte[] expected = java.security.MessageDigest.getInstance("SHA-256")
                .digest(("10.0.0.7|" + address + "|Mözilla/5.0 \"x\"").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(h.ledger.fingerprints()).singleElement().satisfies(f -> {
            assertThat(f.hash()).isEqualTo(java.util.HexFormat.of().formatHex(expected));
            assertThat(f.outcome()).isEqualTo("paused");
        });
    }

    @Test
    void perIpQuotaGivesScopeAndExactReset() {
        FaucetHarness tight = new FaucetHarness(new FaucetPolicy.Limits(2, 100_000, 1, Wei.ofDyt("10000"), 100));
        DripResult first = tight.request(FaucetHarness.address(1), "10.0.0.9");
        tight.request(FaucetHarness.address(2), "10.0.0.9");
        assertThatThrownBy(() -> tight.request(FaucetHarness.address(3), "10.0.0.9"))
                .isInstanceOfSatisfying(FaucetRefusal.class, r -> {
                    assertThat(r.scope()).contains(LimitScope.IP);
                    assertThat(r.resetAt()).contains(first.grant().createdAt().plus(Duration.ofHours(24)));
                });
    }

    @Test
    void aRecipientRefusedForItsQuotaIsRefusedAgainUntilItsGrantFailsAndGivesTheQuotaBack() {
        DripResult first = h.request(FaucetHarness.address(7), "10.0.0.7");
        for (String ip : List.of("10.0.1.7", "10.0.2.7", "10.0.3.7")) {
            assertThatThrownBy(() -> h.request(FaucetHarness.address(7), ip))
                    .isInstanceOfSatisfying(FaucetRefusal.class, r -> {
                        assertThat(r.scope()).contains(LimitScope.ADDRESS);
                        assertThat(r.resetAt()).contains(first.grant().createdAt().plus(Duration.ofHours(24)));
                    });
        }
        assertThat(h.outcomes("10.0.3.7")).containsExactly("rate_limit:address");

        h.ledger.markFailed(first.grant().id(), "reverted", Instant.now());

        assertThat(h.request(FaucetHarness.address(7), "10.0.4.7").grant().status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThatThrownBy(() -> h.request(FaucetHarness.address(7), "10.0.5.7")).isInstanceOf(FaucetRefusal.class);
    }

    @Test
    void aNodeDownWhileTheNoncesAreLearnedFailsTheGrantUnsignedAndLeavesNoGap() {
        DripResult first = h.request(FaucetHarness.address(20), "10.0.0.20");
        h.nonces.forget(); // as after a change of payer: the next payment learns the nonces again
        h.chain.down(true);
        assertThatThrownBy(() -> h.request(FaucetHarness.address(21), "10.0.0.21"))
                .isInstanceOfSatisfying(FaucetRefusal.class, r -> assertThat(r.kind()).isEqualTo(FaucetRefusal.Kind.NODE_UNAVAILABLE));
        h.chain.down(false);

        DripResult third = h.request(FaucetHarness.address(22), "10.0.0.22");

        assertThat(first.grant().nonce()).contains(0L);
        assertThat(third.grant().nonce()).contains(1L);
        assertThat(h.ledger.unfinished()).extracting(g -> g.address()).containsExactlyInAnyOrder(
                FaucetHarness.parsed(20), FaucetHarness.parsed(22));
        assertThat(h.ledger.search(new com.dytallix.domain.grant.GrantQuery(Optional.empty(), Optional.empty(),
                Optional.of(FaucetHarness.parsed(21)), Optional.empty(), 10)))
                .singleElement().satisfies(g -> {
                    assertThat(g.status()).isEqualTo(GrantStatus.FAILED);
                    assertThat(g.nonce()).isEmpty();
                });
    }

    @Test
    void tooManyAddressesFromOneIpIsSuspicious() {
        FaucetHarness h2 = new FaucetHarness(new FaucetPolicy.Limits(100, 100_000, 1, Wei.ofDyt("10000"), 3));
        for (int i = 0; i < 3; i++) {
            h2.request(FaucetHarness.address(i), "10.0.0.5");
        }
        assertThatThrownBy(() -> h2.request(FaucetHarness.address(9), "10.0.0.5"))
                .isInstanceOfSatisfying(FaucetRefusal.class, r -> assertThat(r.scope()).contains(LimitScope.SUSPICIOUS));
    }

    @Test
    void lowBalanceRefusesWithoutLeavingAGrant() {
        FaucetHarness poor = new FaucetHarness();
        poor.chain.setBalance(FaucetHarness.FAUCET, Wei.ofDyt("109.99"));
        poor.status.refresh();
        assertThatThrownBy(() -> poor.request(FaucetHarness.address(1), "10.0.0.1"))
                .isInstanceOfSatisfying(FaucetRefusal.class, r -> assertThat(r.kind()).isEqualTo(FaucetRefusal.Kind.INSUFFICIENT_BALANCE));
        assertThat(poor.ledger.unfinished()).isEmpty();
        assertThat(poor.ledger.search(new com.dytallix.domain.grant.GrantQuery(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), 10))).isEmpty();
    }

    @Test
    void insufficientFundsAtSendTimeFailsTheGrantRefundsQuotaAndRefusesUntilFunded() {
        h.chain.failSends(NodeFailure.INSUFFICIENT_FUNDS, 1);
        assertThatThrownBy(() -> h.request(FaucetHarness.address(1), "10.0.0.1"))
                .isInstanceOfSatisfying(FaucetRefusal.class, r -> assertThat(r.kind()).isEqualTo(FaucetRefusal.Kind.INSUFFICIENT_BALANCE));
        // until a fresh balance read, every request is refused without touching the node
        int sends = h.chain.sendCount();
        assertThatThrownBy(() -> h.request(FaucetHarness.address(2), "10.0.0.2")).isInstanceOf(FaucetRefusal.class);
        assertThat(h.chain.sendCount()).isEqualTo(sends);
        h.status.refresh();
        // quota of address 1 came back, and its nonce is used by the next grant: no gap
        DripResult ok = h.request(FaucetHarness.address(1), "10.0.0.1");
        assertThat(ok.grant().nonce()).contains(0L);
        h.chain.mine();
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(1))).containsExactly(BigInteger.TEN.pow(19));
    }

    @Test
    void aPaymentTheNodeRefusesForGoodFailsTheGrantSaysWhyAndLeavesNoNonceGap() {
        h.chain.failSends(NodeFailure.INVALID_TRANSACTION, 1);
        assertThatThrownBy(() -> h.request(FaucetHarness.address(1), "10.0.0.1"))
                .isInstanceOfSatisfying(FaucetRefusal.class, r -> {
                    assertThat(r.kind()).isEqualTo(FaucetRefusal.Kind.SEND_REJECTED);
                    assertThat(r.getMessage()).startsWith("the node refused the payment: rejected by the node");
                });
        assertThat(h.ledger.search(new com.dytallix.domain.grant.GrantQuery(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of(GrantStatus.FAILED), 10))).hasSize(1);
        // the refused nonce is given back: the next grant takes it
        assertThat(h.request(FaucetHarness.address(2), "10.0.0.2").grant().nonce()).contains(0L);
    }

    @Test
    void nodeDownAtSendTimeStoresTheGrantAndSendsItLater() {
        h.request(FaucetHarness.address(1), "10.0.0.1"); // seeds the nonce allocator
        h.chain.failSends(NodeFailure.TIMEOUT, 1);
        DripResult pending = h.request(FaucetHarness.address(2), "10.0.0.2");
        assertThat(pending.accepted()).isFalse();
        assertThat(pending.grant().status()).isEqualTo(GrantStatus.SIGNED);
        assertThat(h.ledger.find(pending.grant().id())).contains(pending.grant());
        h.tracker.tick();
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(pending.grant().id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(2))).hasSize(1);
    }

    @Test
    void aBurstOfFirstPaymentsAsksTheNodeForChainIdAndFeesOnlyOnce() throws Exception {
        FaucetHarness wide = new FaucetHarness(new FaucetPolicy.Limits(1000, 100_000, 1, Wei.ofDyt("100000"), 1000));
        int chainIdsBefore = wide.chain.chainIdCalls.get();
        int feesBefore = wide.chain.feeCalls.get();
        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<Callable<DripResult>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int n = i;
            calls.add(() -> wide.request(FaucetHarness.address(n), "10.2.0." + n));
        }
        for (Future<DripResult> f : pool.invokeAll(calls)) {
            assertThat(f.get().accepted()).isTrue();
        }
        pool.shutdown();
        // a node limited to MAX_CONCURRENCY calls would refuse a stampede of identical questions
        assertThat(wide.chain.chainIdCalls.get() - chainIdsBefore).isEqualTo(1);
        assertThat(wide.chain.feeCalls.get() - feesBefore).isEqualTo(1);
    }

    @Test
    void aGrantNeverWaitsForTheNodeToRefreshAStaleFeeSuggestion() throws Exception {
        TestClock clock = new TestClock(Instant.now());
        FaucetHarness t = new FaucetHarness(clock);
        t.request(FaucetHarness.address(1), "10.0.0.1"); // the fees known
        clock.advance(Duration.ofSeconds(3)); // and stale now
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        t.chain.holdFees(asked, released); // the node takes its time with the next fee question (a block being mined)
        int feesBefore = t.chain.feeCalls.get();
        ExecutorService requests = Executors.newSingleThreadExecutor();
        try {
            Future<DripResult> second = requests.submit(() -> t.request(FaucetHarness.address(2), "10.0.0.2"));
            DripResult paid = second.get(10, TimeUnit.SECONDS); // on a request that asks the node itself: never answered

            assertThat(paid.accepted()).as("paid with the suggestion known, while the node is asked again").isTrue();
            assertThat(paid.grant().status()).isEqualTo(GrantStatus.SUBMITTED);
            assertThat(asked.await(5, TimeUnit.SECONDS)).as("the stale suggestion is being refreshed").isTrue();
            assertThat(t.request(FaucetHarness.address(3), "10.0.0.3").accepted()).as("nor does the next grant wait").isTrue();
            assertThat(t.chain.feeCalls.get() - feesBefore).as("one refresh at a time").isEqualTo(1);
        } finally {
            released.countDown();
            requests.shutdownNow();
        }
        t.chain.mine();
        assertThat(t.chain.paymentsTo(FaucetHarness.parsed(2))).hasSize(1);
        assertThat(t.chain.paymentsTo(FaucetHarness.parsed(3))).hasSize(1);
    }

    @Test
    void anOverloadedNodeDoesNotStopPaymentsWhenFeesAreKnown() throws Exception {
        h.request(FaucetHarness.address(1), "10.0.0.1");
        h.chain.feesOverloaded = true;
        Thread.sleep(2100); // the fee suggestion is now stale
        DripResult paid = h.request(FaucetHarness.address(2), "10.0.0.2");
        assertThat(paid.accepted()).isTrue();
        h.chain.mine();
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(2))).hasSize(1);
    }
}
