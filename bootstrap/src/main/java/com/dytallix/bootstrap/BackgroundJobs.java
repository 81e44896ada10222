package com.dytallix.bootstrap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The server's scheduled jobs (status refresh, grant tracker, daily maintenance). A job that
 * throws anything is logged with its stack trace and counted in
 * {@code dytallix_background_job_failures_total{job}}, and runs again at its next time: a
 * scheduled executor silently stops a job whose run throws, which once left /api/status frozen.
 * An error the JVM cannot recover from (out of memory) ends the process instead ({@link Fatal}).
 */
final class BackgroundJobs implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BackgroundJobs.class.getName());

    private final ScheduledExecutorService scheduler =
            Executors.newScheduledThreadPool(2, Thread.ofPlatform().name("jobs-", 0).daemon(true).factory());
    private final MeterRegistry metrics;

    BackgroundJobs(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    /** Runs {@code job} every {@code period} (after the previous run ends), first after {@code delay}. */
    void every(String name, Duration delay, Duration period, Runnable job) {
        Runnable guarded = guarded(name, job, failures(name));
        scheduler.scheduleWithFixedDelay(guarded, delay.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Counter failures(String name) {
        return Counter.builder("dytallix.background.job.failures")
                .description("Runs of a background job that failed (the job runs again at its next time)")
                .tag("job", name)
                .register(metrics);
    }

    static Runnable guarded(String name, Runnable job, Counter failures) {
        return () -> {
            try {
                job.run();
            } catch (Throwable t) {
                Fatal.exitIfFatal(t);
                failures.increment();
                LOG.log(System.Logger.Level.ERROR, "background job '" + name + "' failed; it runs again at its next time", t);
            }
        };
    }

    @Override
    public void close() {
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
