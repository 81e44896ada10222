package com.dytallix.application.faucet;

/**
 * A measuring aid for {@code bench/faucet.sh} ({@code FAUCET_STAGES=1}), off unless the JVM runs with
 * {@code -Ddytallix.grantTimings=true}: when each stage of a granted request's path was reached, from
 * the start of its {@link DripService#request}: reserved (the reservation's group write, its queue
 * included), queued for signing, signed and stored (the signing batch, its wait for the nonce lock
 * included), sent (the node took it), recorded as submitted, paid, answered; and of the signing batch
 * that carried it, how long the signing and its write took and how many grants it held. Once a second
 * the grants finished in it are written as one INFO line of the {@code GrantTimings} logger, every
 * grant a record of microseconds ({@link #FIELDS}).
 *
 * <p>Off, every call here is one test of a constant the JIT folds away: no clock is read, nothing is
 * kept.
 */
final class GrantTimings {
    static final boolean ON = Boolean.getBoolean("dytallix.grantTimings");
    private static final System.Logger LOG = System.getLogger(GrantTimings.class.getName());
    private static final ThreadLocal<long[]> CURRENT = new ThreadLocal<>();

    static final int START = 0;
    static final int RESERVED = 1;
    static final int QUEUED = 2;
    static final int STORED = 3;
    static final int SENT = 4;
    static final int SUBMITTED = 5;
    static final int PAID = 6;
    static final int ANSWERED = 7;
    /** Durations and counts, not times: the signing batch's signing, its write (the lock's wait included), its grants. */
    static final int SIGNING = 8;
    static final int SIGN_WRITE = 9;
    static final int BATCH = 10;
    private static final int SIZE = 11;
    /** The fields of a record, in order. */
    static final String FIELDS = "reserved,queued,stored,sent,submitted,paid,answered (us from start),signing,signWrite (us),batch";

    private static final Object LOCK = new Object();
    private static StringBuilder pending = new StringBuilder();
    private static long second = Long.MIN_VALUE;
    private static int count;

    private GrantTimings() {
    }

    /** A request's record, made the current thread's; null when off. */
    static long[] begin() {
        if (!ON) {
            return null;
        }
        long[] t = new long[SIZE];
        t[START] = System.nanoTime();
        CURRENT.set(t);
        return t;
    }

    /** The record of the request this thread serves; null when off or none. */
    static long[] current() {
        return ON ? CURRENT.get() : null;
    }

    /** Makes {@code t} the current thread's record (a thread working for the request). */
    static void adopt(long[] t) {
        if (ON) {
            CURRENT.set(t);
        }
    }

    static void mark(long[] t, int stage) {
        if (ON && t != null) {
            t[stage] = System.nanoTime();
        }
    }

    static void set(long[] t, int field, long value) {
        if (ON && t != null) {
            t[field] = value;
        }
    }

    /** The request was answered: its record joins this second's line. */
    static void end(long[] t) {
        if (!ON || t == null) {
            return;
        }
        CURRENT.remove();
        long now = System.nanoTime();
        t[ANSWERED] = now;
        StringBuilder line = new StringBuilder(96);
        for (int i = RESERVED; i <= ANSWERED; i++) {
            line.append(t[i] == 0 ? -1 : (t[i] - t[START]) / 1000).append(',');
        }
        line.append(t[SIGNING] / 1000).append(',').append(t[SIGN_WRITE] / 1000).append(',').append(t[BATCH]).append(';');
        String full = null;
        int n = 0;
        synchronized (LOCK) {
            long s = now / 1_000_000_000L;
            if (s != second && count > 0) {
                full = pending.toString();
                n = count;
                pending = new StringBuilder(count * 64);
                count = 0;
            }
            second = s;
            pending.append(line);
            count++;
        }
        if (full != null) {
            LOG.log(System.Logger.Level.INFO, "grant timings: {0} grants [{1}] {2}", n, FIELDS, full);
        }
    }
}
