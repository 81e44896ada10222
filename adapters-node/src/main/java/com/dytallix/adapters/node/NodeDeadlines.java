package com.dytallix.adapters.node;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Ends what waits on a node past its deadline (an exchange's socket read or write, a call's wait
 * for a free slot, a {@link SharedReads} joiner's wait for the call it joined) from one daemon thread that looks every {@link #TICK} while anything is watched,
 * and sleeps while nothing is. Not timed blocking calls: on a virtual thread each timed read or
 * timed park schedules and cancels a timer task on the ForkJoinPool's delay scheduler, whose thread
 * took about 8 % of an uncached relayed call's CPU (its clock reads and parks; docs/performance.md).
 */
final class NodeDeadlines {
    private static final System.Logger LOG = System.getLogger(NodeDeadlines.class.getName());
    /** How late, at most, a deadline is kept (beside the machine's own scheduling delays). */
    static final Duration TICK = Duration.ofMillis(10);
    /** One for the process: every node and call together. */
    static final NodeDeadlines SHARED = new NodeDeadlines();

    /** Something with a deadline; its lock guards the deadline and whether it expired. */
    abstract static class Watched {
        private long deadline = Long.MAX_VALUE;
        private volatile boolean expired;

        /** Ends the wait: called once, under this object's lock, when the deadline has passed. */
        abstract void expire();

        /** Whether the deadline ended the current wait. */
        final boolean expired() {
            return expired;
        }

        private synchronized void expireAt(long now) {
            if (!expired && now - deadline > 0) {
                expired = true;
                expire();
            }
        }
    }

    private final Set<Watched> watched = ConcurrentHashMap.newKeySet();
    private final Thread sweeper = Thread.ofPlatform().daemon().name("node-deadlines").unstarted(this::sweep);
    private volatile boolean sleeping;

    private NodeDeadlines() {
        sweeper.start();
    }

    /** Starts watching {@code w} until {@code deadline} (System.nanoTime). */
    void watch(Watched w, long deadline) {
        synchronized (w) {
            w.deadline = deadline;
            w.expired = false;
        }
        watched.add(w);
        if (sleeping) {
            LockSupport.unpark(sweeper);
        }
    }

    /**
     * Stops watching {@code w}; after this its {@link Watched#expire} is not called.
     *
     * @return false when the deadline ended the wait (perhaps just after it ended by itself)
     */
    boolean unwatch(Watched w) {
        watched.remove(w);
        synchronized (w) {
            w.deadline = Long.MAX_VALUE;
            return !w.expired;
        }
    }

    /**
     * Brings the deadline of each watched thing {@code which} picks forward to {@code deadline} where that is sooner
     * (a stop ending the calls in flight): it is ended then, as at its own deadline.
     */
    void bringForward(Predicate<Watched> which, long deadline) {
        for (Watched w : watched) {
            if (which.test(w)) {
                bringForward(w, deadline);
            }
        }
    }

    /** {@link #bringForward(Predicate, long)} for one watched thing. */
    void bringForward(Watched w, long deadline) {
        synchronized (w) {
            if (deadline < w.deadline) {
                w.deadline = deadline;
            }
        }
    }

    private void sweep() {
        while (true) {
            if (watched.isEmpty()) {
                sleeping = true;
                if (watched.isEmpty()) {
                    LockSupport.park(this);
                }
                sleeping = false;
                continue;
            }
            LockSupport.parkNanos(this, TICK.toNanos());
            long now = System.nanoTime();
            for (Watched w : watched) {
                try {
                    w.expireAt(now);
                } catch (RuntimeException e) {
                    // this thread keeps every node deadline: one failure must not end it
                    LOG.log(System.Logger.Level.WARNING, "ending a node wait at its deadline failed", e);
                }
            }
        }
    }
}
