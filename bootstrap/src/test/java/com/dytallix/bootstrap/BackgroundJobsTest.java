package com.dytallix.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackgroundJobsTest {
    @Test
    void aJobThatThrowsAnErrorRunsAgainAndIsCounted() throws InterruptedException {
        var metrics = new SimpleMeterRegistry();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch recovered = new CountDownLatch(1);
        try (var jobs = new BackgroundJobs(metrics)) {
            jobs.every("status refresh", Duration.ofMillis(1), Duration.ofMillis(10), () -> {
                int run = runs.incrementAndGet();
                if (run == 1) {
                    throw new NoClassDefFoundError("a class failed to load"); // an Error, not a RuntimeException
                }
                if (run == 2) {
                    throw new IllegalStateException("a plain failure");
                }
                recovered.countDown();
            });
            assertThat(recovered.await(30, TimeUnit.SECONDS)).as("the job ran again after failing").isTrue();
        }
        assertThat(metrics.get("dytallix.background.job.failures").tag("job", "status refresh").counter().count())
                .isEqualTo(2.0);
    }

    /** The payer's "admitted grants" job: run at once when asked, never two runs at once, asks during a run served by one more. */
    @Test
    void aJobRunOnDemandRunsAtOnceNeverTwiceAtOnceAndAsksDuringARunMakeOneMoreRun() throws InterruptedException {
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger atOnce = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (var jobs = new BackgroundJobs(new SimpleMeterRegistry())) {
            Runnable now = jobs.everyAndOnDemand("admitted grants", Duration.ofHours(1), () -> {
                mostAtOnce.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
                runs.incrementAndGet();
                firstStarted.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                atOnce.decrementAndGet();
            });
            now.run();
            assertThat(firstStarted.await(10, TimeUnit.SECONDS)).as("run at once, not after the hour").isTrue();
            for (int i = 0; i < 5; i++) {
                now.run(); // while the first run is on
            }
            Thread.sleep(200);
            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (runs.get() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200);
        }
        assertThat(runs.get()).as("the first run, and one more for the five asks made during it").isEqualTo(2);
        assertThat(mostAtOnce.get()).isEqualTo(1);
    }
}
