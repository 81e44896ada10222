package com.dytallix.adapters.node;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * The deadline of the request a node call belongs to, when it is shorter than one call's own
 * timeout: a read retried on another node gets what is left of the caller's time, not a fresh
 * NODE_TIMEOUT_MS.
 */
final class CallDeadline {
    private static final ThreadLocal<Long> DEADLINE = new ThreadLocal<>();

    private CallDeadline() {
    }

    /** The deadline in {@link System#nanoTime()} terms, when one is set on this thread. */
    static Optional<Long> current() {
        return Optional.ofNullable(DEADLINE.get());
    }

    /** Runs {@code call} with node calls bounded by {@code deadlineNanos}. */
    static <T> T within(long deadlineNanos, Supplier<T> call) {
        Long outer = DEADLINE.get();
        DEADLINE.set(outer == null ? deadlineNanos : Math.min(outer, deadlineNanos));
        try {
            return call.get();
        } finally {
            if (outer == null) {
                DEADLINE.remove();
            } else {
                DEADLINE.set(outer);
            }
        }
    }
}
