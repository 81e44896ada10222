package com.dytallix.domain.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.IpRange;
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

/** What every {@link ChallengeStore} must do; subclass it once per implementation. */
public abstract class ChallengeStoreContract {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    protected ChallengeStore store;

    protected abstract ChallengeStore newStore();

    @BeforeEach
    void create() {
        store = newStore();
    }

    private static Challenge challenge(String id, Instant expiresAt) {
        return new Challenge(id, new Address("0x00000000000000000000000000000000000000aa"),
                IpRange.parse("2001:db8:1:2::/64"), 12, 16384, 8, 1, expiresAt);
    }

    @Test
    void aChallengeIsTakenOnceWithEverythingItWasIssuedWith() {
        Challenge c = challenge("0123456789abcdef0123456789abcdef", T0.plusSeconds(600));
        store.issue(c, T0);

        assertThat(store.mayHoldUnprovenIds(T0)).as("every challenge issued here has a proven id").isFalse();
        assertThat(store.take(c.id())).contains(c);
        assertThat(store.take(c.id())).isEmpty();
        assertThat(store.take("ffffffffffffffffffffffffffffffff")).isEmpty();
    }

    @Test
    void ofManyTakersAtOnceExactlyOneGetsIt() throws Exception {
        Challenge c = challenge("00000000000000000000000000000001", T0.plusSeconds(600));
        store.issue(c, T0);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Optional<Challenge>>> takers = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                takers.add(pool.submit(() -> {
                    start.await();
                    return store.take(c.id());
                }));
            }
            start.countDown();
            int got = 0;
            for (Future<Optional<Challenge>> t : takers) {
                got += t.get().isPresent() ? 1 : 0;
            }
            assertThat(got).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void issuingForgetsChallengesThatExpiredUnanswered() {
        Challenge old = challenge("00000000000000000000000000000002", T0.plusSeconds(600));
        store.issue(old, T0);
        store.issue(challenge("00000000000000000000000000000003", T0.plusSeconds(1200)), T0.plusSeconds(601));

        assertThat(store.take(old.id())).isEmpty();
    }
}
