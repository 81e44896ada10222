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
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PayerLeases} must do; subclass it once per store. The store keeps the time, so
 * these tests run on real time: a live lease lasts far longer than any test could take on a loaded
 * machine, and a short one is waited out by polling.
 */
public abstract class PayerLeasesContract {
    protected static final Duration LONG = Duration.ofMinutes(10);
    private static final Duration SHORT = Duration.ofMillis(300);

    protected PayerLeases leases;

    /** An empty store, new for each test. */
    protected abstract PayerLeases newLeases();

    @BeforeEach
    void create() {
        leases = newLeases();
    }

    @Test
    void aFreeLeaseIsTakenNamesItsHolderAndLastsItsDurationByTheStoresClock() {
        Instant before = Instant.now();
        Lease a = leases.acquire("host:8787", "a", LONG).orElseThrow();
        Instant after = Instant.now();

        assertThat(a.holder()).isEqualTo("host:8787");
        // the store's clock is this host's here; a second either side allows for rounding
        assertThat(a.expiresAt()).isBetween(before.plus(LONG).minusSeconds(1), after.plus(LONG).plusSeconds(1));
        assertThat(leases.current()).contains(a);
    }

    @Test
    void nobodyElseTakesALiveLeaseButTheHolderRenewsItWithTheSameToken() {
        Lease a = leases.acquire("a", "a", LONG).orElseThrow();

        assertThat(leases.acquire("b", "b", LONG)).isEmpty();
        Lease renewed = leases.acquire("a", "a", LONG).orElseThrow();
        assertThat(renewed.token()).isEqualTo(a.token());
        assertThat(renewed.expiresAt()).isAfterOrEqualTo(a.expiresAt());
        assertThat(leases.acquire("b", "b", LONG)).isEmpty();
    }

    @Test
    void aRenewalCountsTheNewDurationFromTheRenewal() throws Exception {
        leases.acquire("a", "a", SHORT).orElseThrow();
        leases.acquire("a", "a", LONG).orElseThrow();

        Thread.sleep(SHORT.multipliedBy(2).toMillis());

        assertThat(leases.acquire("b", "b", LONG)).isEmpty();
        assertThat(leases.current().map(Lease::holder)).contains("a");
    }

    @Test
    void anExpiredLeaseIsTakenOverWithAGreaterTokenAndTheOldHolderCannotRenewIt() {
        Lease a = leases.acquire("a", "a", SHORT).orElseThrow();

        Lease b = eventually(() -> leases.acquire("b", "b", LONG));
        assertThat(b.token()).isGreaterThan(a.token());
        assertThat(leases.acquire("a", "a", LONG)).isEmpty();
        assertThat(leases.current().map(Lease::holder)).contains("b");
    }

    @Test
    void aSecondProcessWithTheSameInstanceNameIsAnotherHolder() {
        leases.acquire("host:8787", "first run", LONG).orElseThrow();

        assertThat(leases.acquire("host:8787", "second run", LONG)).isEmpty();
    }

    @Test
    void aReleasedLeaseIsFreeAtOnceAndComesBackWithANewToken() {
        Lease a = leases.acquire("a", "a", LONG).orElseThrow();

        leases.release(a);

        assertThat(leases.current()).isEmpty();
        Lease b = leases.acquire("b", "b", LONG).orElseThrow();
        assertThat(b.token()).isGreaterThan(a.token());
    }

    @Test
    void releasingALeaseThatWasTakenOverLeavesTheNewHolderAlone() {
        Lease a = leases.acquire("a", "a", SHORT).orElseThrow();
        Lease b = eventually(() -> leases.acquire("b", "b", LONG));

        leases.release(a);

        assertThat(leases.current()).contains(b);
    }

    @Test
    void anExpiredLeaseIsInForceForNobody() {
        leases.acquire("a", "a", SHORT).orElseThrow();

        eventually(() -> leases.current().isEmpty() ? Optional.of(true) : Optional.empty());
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
                    return leases.acquire(name, name, LONG);
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

    /** Polls until {@code attempt} answers, within a deadline generous for a loaded machine. */
    protected static <T> T eventually(Supplier<Optional<T>> attempt) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (true) {
            Optional<T> result = attempt.get();
            if (result.isPresent()) {
                return result.get();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within 30 s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
