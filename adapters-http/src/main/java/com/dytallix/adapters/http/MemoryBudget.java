package com.dytallix.adapters.http;

import java.util.concurrent.atomic.AtomicLong;

/** Bytes that many threads take and give back, never together more than {@code max}. */
final class MemoryBudget {
    private final long max;
    private final AtomicLong held = new AtomicLong();

    MemoryBudget(long max) {
        this.max = max;
    }

    /** Takes {@code bytes}, or nothing when they do not fit. */
    boolean take(long bytes) {
        long now;
        do {
            now = held.get();
            if (now + bytes > max) {
                return false;
            }
        } while (!held.compareAndSet(now, now + bytes));
        return true;
    }

    void give(long bytes) {
        held.addAndGet(-bytes);
    }

    long held() {
        return held.get();
    }

    long max() {
        return max;
    }
}
