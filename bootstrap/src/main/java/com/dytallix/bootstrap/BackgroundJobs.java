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

    // three: the status refresh and the node checks may each wait up to NODE_TIMEOUT_MS on a silent node
    private final ScheduledExecutorService scheduler =
            Executors.newScheduledThreadPool(3, Thread.ofPlatform().name("jobs-", 0).daemon(true).factory());
    private final MeterRegistry metrics;

    BackgroundJobs(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    /** Runs {@code job} every {@code period} (after the previous run ends), first after {@code delay}. */
    void every(String name, Duration delay, Duration period, Runnable job) {
        Runnable guarded = guarded(name, job, failures(name));
        scheduler.scheduleWithFixedDelay(guarded, delay.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * As {@link #every}, and the returned action asks for a run as soon as possible besides (on a pool thread; asks
     * made while a run is on make one more run after it): the job never runs twice at once.
     */
    Runnable everyAndOnDemand(String name, Duration period, Runnable job) {
        Runnable guarded = guarded(name, job, failures(name));
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        Runnable run = () -> {
            if (asked.getAndIncrement() != 0) {
                return; // the run that is on runs again for this ask
            }
            int served;
            do {
                served = asked.get();
                guarded.run();
            } while (asked.addAndGet(-served) != 0);
        };
        scheduler.scheduleWithFixedDelay(run, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return () -> {
            try {
                scheduler.execute(run);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // stopping: the job is over
            }
        };
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
