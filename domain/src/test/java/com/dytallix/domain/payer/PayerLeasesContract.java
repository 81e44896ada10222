package com.dytallix.domain.payer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link PayerLeases} must do; subclass it once per store. */
public abstract class PayerLeasesContract {
    protected static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    protected static final Duration TEN_SECONDS = Duration.ofSeconds(10);

    protected PayerLeases leases;

    /** An empty store, new for each test. */
    protected abstract PayerLeases newLeases();

    @BeforeEach
    void create() {
        leases = newLeases();
    }

    @Test
    void aFreeLeaseIsTakenAndNamesItsHolder() {
        Lease a = leases.acquire("host:8787", "a", T0, TEN_SECONDS).orElseThrow();

        assertThat(a.holder()).isEqualTo("host:8787");
        assertThat(a.expiresAt()).isEqualTo(T0.plus(TEN_SECONDS));
        assertThat(leases.current(T0.plusSeconds(1))).contains(a);
    }

    @Test
    void nobodyElseTakesALiveLeaseButTheHolderRenewsItWithTheSameToken() {
        Lease a = leases.acquire("a", "a", T0, TEN_SECONDS).orElseThrow();

        assertThat(leases.acquire("b", "b", T0.plusSeconds(9), TEN_SECONDS)).isEmpty();
        Lease renewed = leases.acquire("a", "a", T0.plusSeconds(5), TEN_SECONDS).orElseThrow();
        assertThat(renewed.token()).isEqualTo(a.token());
        assertThat(renewed.expiresAt()).isEqualTo(T0.plusSeconds(15));
        assertThat(leases.acquire("b", "b", T0.plusSeconds(14), TEN_SECONDS)).isEmpty();
    }

    @Test
    void anExpiredLeaseIsTakenOverWithAGreaterTokenAndTheOldHolderCannotRenewIt() {
        Lease a = leases.acquire("a", "a", T0, TEN_SECONDS).orElseThrow();

        Lease b = leases.acquire("b", "b", T0.plusSeconds(10), TEN_SECONDS).orElseThrow();
        assertThat(b.token()).isGreaterThan(a.token());
        assertThat(leases.acquire("a", "a", T0.plusSeconds(11), TEN_SECONDS)).isEmpty();
        assertThat(leases.current(T0.plusSeconds(11)).map(Lease::holder)).contains("b");
    }

    @Test
    void aSecondProcessWithTheSameInstanceNameIsAnotherHolder() {
        leases.acquire("host:8787", "first run", T0, TEN_SECONDS).orElseThrow();

        assertThat(leases.acquire("host:8787", "second run", T0.plusSeconds(1), TEN_SECONDS)).isEmpty();
    }

    @Test
    void aReleasedLeaseIsFreeAtOnceAndComesBackWithANewToken() {
        Lease a = leases.acquire("a", "a", T0, TEN_SECONDS).orElseThrow();

        leases.release(a, T0.plusSeconds(1));

        assertThat(leases.current(T0.plusSeconds(1))).isEmpty();
        Lease b = leases.acquire("b", "b", T0.plusSeconds(1), TEN_SECONDS).orElseThrow();
        assertThat(b.token()).isGreaterThan(a.token());
    }

    @Test
    void releasingALeaseThatWasTakenOverLeavesTheNewHolderAlone() {
        Lease a = leases.acquire("a", "a", T0, TEN_SECONDS).orElseThrow();
        Lease b = leases.acquire("b", "b", T0.plusSeconds(20), TEN_SECONDS).orElseThrow();

        leases.release(a, T0.plusSeconds(21));

        assertThat(leases.current(T0.plusSeconds(21))).contains(b);
    }

    @Test
    void anExpiredLeaseIsInForceForNobody() {
        leases.acquire("a", "a", T0, TEN_SECONDS).orElseThrow();

        assertThat(leases.current(T0.plusSeconds(10))).isEmpty();
    }

    @Test
    void ofManyInstancesRacingForAFreeLeaseExactlyOneGetsIt() throws Exception {
        int n = 12;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Optional<Lease>>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = "i" + i;
                results.add(pool.submit(() -> {
                    start.await();
                    return leases.acquire(name, name, T0, TEN_SECONDS);
                }));
            }
            start.countDown();
            int winners = 0;
            for (Future<Optional<Lease>> f : results) {
                winners += f.get().isPresent() ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
