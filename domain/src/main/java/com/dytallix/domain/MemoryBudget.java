package com.dytallix.domain;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes that many threads take and give back, never together more than {@code max}: how the
 * adapters bound what hostile or unlucky traffic can make the process hold (WebSocket messages,
 * node answers being read, relay answers being written).
 *
 * <p>A budget can be a part of a larger one ({@link #partOfProcess}): a take must then fit in both.
 * Each adapter's budget is sized to serve its own traffic at its peak, and on their own they add up to
 * about the whole heap; as parts of {@link #PROCESS} they cannot all be full at once, so a flood of one
 * kind of traffic together with a flood of another is refused ("busy") instead of ending the process
 * with an OutOfMemoryError.
 */
public final class MemoryBudget {
    /** What the adapters' transient buffers may hold together: half the heap. */
    private static final MemoryBudget PROCESS = new MemoryBudget(Runtime.getRuntime().maxMemory() / 2);

    private final long max;
    private final MemoryBudget whole;
    private final AtomicLong held = new AtomicLong();

    public MemoryBudget(long max) {
        this(max, null);
    }

    /** A budget of at most {@code max} whose takes must also fit in {@code whole}. */
    public MemoryBudget(long max, MemoryBudget whole) {
        this.max = max;
        this.whole = whole;
    }

    /** A budget of at most {@code max} that is a part of what the whole process may hold ({@link #PROCESS}). */
    public static MemoryBudget partOfProcess(long max) {
        return new MemoryBudget(max, PROCESS);
    }

    /** Takes {@code bytes}, or nothing when they do not fit (here or in the whole this is part of). */
    public boolean take(long bytes) {
        long now;
        do {
            now = held.get();
            if (now + bytes > max) {
                return false;
            }
        } while (!held.compareAndSet(now, now + bytes));
        if (whole != null && !whole.take(bytes)) {
            held.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    public void give(long bytes) {
        held.addAndGet(-bytes);
        if (whole != null) {
            whole.give(bytes);
        }
    }

    public long held() {
        return held.get();
    }

    public long max() {
        return max;
    }
}
