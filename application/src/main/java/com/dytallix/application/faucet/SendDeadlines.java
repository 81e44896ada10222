package com.dytallix.application.faucet;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Ends every request's wait for its grant's send at its deadline (the request's arrival plus
 * {@code FAUCET_SEND_WAIT_MS}) from one daemon platform thread, so a request waits with an untimed park. A timed wait of a virtual thread
 * ({@code future.get(timeout)}) arms and cancels a timer task on the JDK's delay scheduler, whose thread
 * was about 2.5 % of a saturated faucet's CPU (docs/performance.md, <i>Faucet, round 15</i>); this
 * thread parks until the earliest deadline it holds (a platform thread's timed park is the kernel's
 * timed futex wait, no timer task) and sleeps while it holds none.
 *
 * <p>A deadline is kept to the moment: the thread wakes at the earliest one and completes that wait's
 * future with what the request answers past it, as the timed wait's timeout did. A wait that ends by
 * itself first takes its deadline back ({@link #unwatch}).
 */
final class SendDeadlines {
    private static final System.Logger LOG = System.getLogger(SendDeadlines.class.getName());
    /** One for the process: every payer's waits together. */
    static final SendDeadlines SHARED = new SendDeadlines();

    /** A watched wait: completes {@code future} with {@code past} at {@code deadline} (System.nanoTime). */
    static final class Deadline<T> implements Comparable<Deadline<?>> {
        private final long deadline;
        private final long order;
        private final CompletableFuture<T> future;
        private final T past;

        private Deadline(long deadline, long order, CompletableFuture<T> future, T past) {
            this.deadline = deadline;
            this.order = order;
            this.future = future;
            this.past = past;
        }

        @Override
        public int compareTo(Deadline<?> other) {
            int byTime = Long.compare(deadline - other.deadline, 0); // nanoTime values: compared by their difference
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }

        private void expire() {
            future.complete(past);
        }
    }

    private final ConcurrentSkipListSet<Deadline<?>> watched = new ConcurrentSkipListSet<>();
    private final AtomicLong added = new AtomicLong();
    private final Thread sweeper = Thread.ofPlatform().daemon().name("send-deadlines").unstarted(this::sweep);
    /** The deadline the sweeper parks until; meaningless while {@link #idle}. */
    private volatile long wakeAt;
    /** The sweeper parks with no deadline: nothing is watched. */
    private volatile boolean idle;

    private SendDeadlines() {
        sweeper.start();
    }

    /**
     * Completes {@code future} with {@code past} at {@code deadline} ({@link System#nanoTime()}), unless it is
     * completed before (or {@link #unwatch}ed).
     */
    <T> Deadline<T> watchUntil(CompletableFuture<T> future, T past, long deadline) {
        Deadline<T> d = new Deadline<>(deadline, added.incrementAndGet(), future, past);
        watched.add(d);
        // after the add: a sweeper that published its park before it sees this one is woken here
        if (idle || d.deadline - wakeAt < 0) {
            LockSupport.unpark(sweeper);
        }
        return d;
    }

    /** The wait ended by itself: its deadline is forgotten. */
    void unwatch(Deadline<?> d) {
        watched.remove(d);
    }

    /** Watched now, for tests. */
    int watching() {
        return watched.size();
    }

    private void sweep() {
        while (true) {
            try {
                Deadline<?> first = expireDue();
                if (first == null) {
                    idle = true;
                    if (watched.isEmpty()) {
                        LockSupport.park(this);
                    }
                    idle = false;
                    continue;
                }
                wakeAt = first.deadline;
                // published before this second look: a wait watched meanwhile with an earlier deadline either is
                // seen here or sees wakeAt and unparks this thread (then the park below returns at once)
                if (firstOrNull() == first) {
                    LockSupport.parkNanos(this, first.deadline - System.nanoTime());
                }
            } catch (RuntimeException | Error e) {
                // this thread ends every request's send wait: one failure must not end it
                LOG.log(System.Logger.Level.WARNING, "ending a send wait at its deadline failed", e);
            }
        }
    }

    /** Completes every wait whose deadline has passed; the earliest one left, or null. */
    private Deadline<?> expireDue() {
        while (true) {
            Deadline<?> first = firstOrNull();
            if (first == null || first.deadline - System.nanoTime() > 0) {
                return first;
            }
            if (watched.remove(first)) {
                first.expire();
            }
        }
    }

    private Deadline<?> firstOrNull() {
        if (watched.isEmpty()) {
            return null;
        }
        try {
            return watched.first();
        } catch (java.util.NoSuchElementException e) {
            return null; // emptied between the two looks
        }
    }
}
