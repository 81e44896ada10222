package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantQuery;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.grant.LimitScope;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client over its quota is refused from memory, without the ledger, and exactly as the ledger would:
 * nothing changes, parallel requests on two instances still get exactly the quota, and a quota given
 * back on either instance is granted again at once.
 */
class QuotaRefusalsTest {
    private static final String CLIENT = "10.0.0.9";
    /** Three grants per client a day; one per address. */
    private final FaucetHarness first = new FaucetHarness(new FaucetPolicy.Limits(3, 100_000, 1, Wei.ofDyt("10000"), 1000));
    private final FaucetHarness second = new FaucetHarness(first, "second");
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** The payer's job: grants the second instance admits wait in the ledger for the first to pay them. */
    private final Thread payerJob = Thread.ofPlatform().daemon(true).start(() -> {
        while (running.get()) {
            first.tracker.payOwed();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    });

    @AfterEach
    void stopPayer() throws InterruptedException {
        running.set(false);
        payerJob.join();
    }

    @Test
    void aClientOverItsQuotaIsRefusedFromMemoryAndTheRefusalChangesNothing() {
        List<Grant> granted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            granted.add(first.request(FaucetHarness.address(i), CLIENT).grant());
        }
        assertThat(refusal(first, 3).scope()).contains(LimitScope.IP);
        int reservations = first.ledger.reserveCalls();
        var budget = first.ledger.budget(first.policy.outflow(), Instant.now());

        for (int i = 4; i < 20; i++) {
            FaucetRefusal again = refusal(first, i);
            assertThat(again.scope()).contains(LimitScope.IP);
            // the reset the ledger gave: when the oldest of the three grants leaves the day
            assertThat(again.resetAt()).contains(granted.getFirst().createdAt().plus(Duration.ofHours(24)));
        }

        assertThat(first.ledger.reserveCalls()).as("no reservation step for a remembered refusal").isEqualTo(reservations);
        assertThat(first.ledger.search(new GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 100))).hasSize(3);
        assertThat(first.ledger.budget(first.policy.outflow(), Instant.now())).isGreaterThanOrEqualTo(budget);
        // still fingerprinted, as every validated request is
        assertThat(first.outcomes(CLIENT)).filteredOn("rate_limit:ip"::equals).hasSize(17);
    }

    @Test
    void theQuotaIsExactUnderParallelRequestsOnTwoInstancesAndAQuotaGivenBackIsGrantedOnceAtOnce() throws Exception {
        assertThat(parallelGrants(60, 0)).isEqualTo(3);
        assertThat(grantsOf(CLIENT)).hasSize(3);
        // both instances now refuse from memory
        refusal(first, 100);
        refusal(second, 101);

        // one of the grants fails (the payer's tracker saw it revert): its quota comes back on both instances
        Grant reverted = grantsOf(CLIENT).getFirst();
        first.ledger.markFailed(reverted.id(), "reverted", Instant.now());

        assertThat(parallelGrants(40, 200)).as("exactly the one quota given back").isEqualTo(1);
        assertThat(grantsOf(CLIENT)).filteredOn(g -> g.status() != GrantStatus.FAILED).hasSize(3);
        refusal(first, 300);
        refusal(second, 301);
    }

    @Test
    void aRequestWithAnIdempotencyKeyStillReplaysItsGrantWhenTheClientIsOverItsQuota() {
        DripResult keyed = first.request(new DripCommand(FaucetHarness.address(0), com.dytallix.domain.ClientIp.parse(CLIENT),
                "test-agent", Optional.of("retry-1"), false, Optional.empty()));
        first.request(FaucetHarness.address(1), CLIENT);
        first.request(FaucetHarness.address(2), CLIENT);
        refusal(first, 3);

        DripResult replay = first.request(new DripCommand(FaucetHarness.address(0), com.dytallix.domain.ClientIp.parse(CLIENT),
                "test-agent", Optional.of("retry-1"), false, Optional.empty()));

        assertThat(replay.grant().id()).isEqualTo(keyed.grant().id());
    }

    /** Requests from {@link #CLIENT} for distinct addresses, alternating between the instances, all at once: how many were granted. */
    private int parallelGrants(int requests, int firstAddress) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            FaucetHarness instance = i % 2 == 0 ? first : second;
            String address = FaucetHarness.address(firstAddress + i);
            calls.add(() -> {
                start.await();
                try {
                    instance.request(address, CLIENT);
                    return true;
                } catch (FaucetRefusal r) {
                    assertThat(r.scope()).contains(LimitScope.IP);
                    return false;
                }
            });
        }
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            calls.forEach(c -> results.add(pool.submit(c)));
            start.countDown();
            int granted = 0;
            for (Future<Boolean> f : results) {
                granted += f.get() ? 1 : 0;
            }
            return granted;
        } finally {
            pool.shutdownNow();
        }
    }

    private List<Grant> grantsOf(String ip) {
        return first.ledger.search(new GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 1000)).stream().filter(g -> g.ip().value().equals(ip))
                .sorted(java.util.Comparator.comparing(Grant::createdAt)).toList();
    }

    private static FaucetRefusal refusal(FaucetHarness instance, int address) {
        FaucetRefusal[] caught = new FaucetRefusal[1];
        assertThatThrownBy(() -> instance.request(FaucetHarness.address(address), CLIENT))
                .isInstanceOfSatisfying(FaucetRefusal.class, r -> caught[0] = r);
        assertThat(caught[0].kind()).isEqualTo(FaucetRefusal.Kind.RATE_LIMITED);
        return caught[0];
    }
}
