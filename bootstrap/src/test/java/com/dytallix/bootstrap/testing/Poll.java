package com.dytallix.bootstrap.testing;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Waiting for something a server does in the background (refreshes, trackers) without a fixed sleep. */
public final class Poll {
    private Poll() {
    }

    /** Polls until the condition holds for a value, or the deadline passes; returns the last value seen. */
    public static <T> T eventually(Duration within, Supplier<T> probe, Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        T value = probe.get();
        while (!done.test(value) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            value = probe.get();
        }
        return value;
    }
}
