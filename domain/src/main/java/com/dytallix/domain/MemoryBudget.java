package com.dytallix.domain;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes that many threads take and give back, never together more than {@code max}: how the
 * adapters bound what hostile or unlucky traffic can make the process hold (WebSocket messages,
 * node answers being read, relay answers being written).
 */
public final class MemoryBudget {
    private final long max;
    private final AtomicLong held = new AtomicLong();

    public MemoryBudget(long max) {
        this.max = max;
    }

    /** Takes {@code bytes}, or nothing when they do not fit. */
    public boolean take(long bytes) {
        long now;
        do {
            now = held.get();
            if (now + bytes > max) {
                return false;
            }
        } while (!held.compareAndSet(now, now + bytes));
        return true;
    }

    public void give(long bytes) {
        held.addAndGet(-bytes);
    }

    public long held() {
        return held.get();
    }

    public long max() {
        return max;
    }
}
