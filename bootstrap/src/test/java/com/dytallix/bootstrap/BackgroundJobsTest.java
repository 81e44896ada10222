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
}
