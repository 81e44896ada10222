package com.dytallix.adapters.persistence;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Group commit: every call that arrives while a write is under way waits in a queue, and the next
 * write carries all of them (at most {@code most}) in one transaction, in arrival order. Each caller
 * returns once its own outcome is settled, which the batch write does only after its commit.
 *
 * <p>Whoever finds no write under way writes the next batch itself; when it is done it wakes the
 * caller at the head of the queue to write the one after. Callers whose outcome a batch settled are
 * woken at once, all together, rather than one after another through a lock.
 *
 * @param <I> what a caller asks for
 * @param <O> what it is answered
 */
final class GroupCommit<I, O> {
    private final ConcurrentLinkedQueue<Job<I, O>> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock writing = new ReentrantLock();
    private final int most;
    private final Consumer<List<Job<I, O>>> write;

    /**
     * @param most  jobs one batch carries at most
     * @param write writes one batch and settles every job of it ({@link Job#complete}, {@link Job#fail}) once its
     *              transaction is committed or rolled back; a throw fails every job it left unsettled
     */
    GroupCommit(int most, Consumer<List<Job<I, O>>> write) {
        this.most = most;
        this.write = write;
    }

    /** Queues {@code item}, waits until a batch carrying it is settled, and answers its outcome (or throws its failure). */
    O submit(I item) {
        Job<I, O> job = new Job<>(item, Thread.currentThread());
        queue.add(job);
        boolean interrupted = false;
        while (!job.settled()) {
            if (writing.tryLock()) {
                try {
                    if (!job.settled()) {
                        writeNext();
                    }
                } finally {
                    writing.unlock();
                }
                // the queue's head may have found the write under way and parked: its turn now
                Job<I, O> next = queue.peek();
                if (next != null) {
                    LockSupport.unpark(next.caller);
                }
            } else {
                LockSupport.park(this);
                // kept for the caller, not acted on: the job is in a batch's hands and is settled soon
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return job.outcome();
    }

    /** Writes the next batch; what stops it is its jobs' failure, not this caller's (whose job may be in a later batch). */
    private void writeNext() {
        List<Job<I, O>> batch = new ArrayList<>();
        for (Job<I, O> j = queue.poll(); j != null; j = batch.size() < most ? queue.poll() : null) {
            batch.add(j);
        }
        try {
            write.accept(batch);
        } catch (RuntimeException | Error e) {
            batch.forEach(j -> j.fail(e));
        }
        // only a job the write forgot gets the failure: an exception (and its stack trace) per settled job was 1 % of a
        // saturated faucet's CPU
        for (Job<I, O> j : batch) {
            if (!j.settled()) {
                j.fail(new IllegalStateException("the batch write left this job unsettled"));
            }
        }
    }

    /** One caller's item in a batch, and what became of it. */
    static final class Job<I, O> {
        private final I item;
        private final Thread caller;
        private volatile boolean settled;
        private O value;
        private Throwable failure;

        private Job(I item, Thread caller) {
            this.item = item;
            this.caller = caller;
        }

        I item() {
            return item;
        }

        /** Settles the job with its answer; a job already settled keeps its first outcome. */
        void complete(O answer) {
            settle(answer, null);
        }

        /** Settles the job with the failure its caller throws; a job already settled keeps its first outcome. */
        void fail(Throwable e) {
            settle(null, e);
        }

        private void settle(O answer, Throwable e) {
            synchronized (this) {
                if (settled) {
                    return;
                }
                value = answer;
                failure = e;
                settled = true;
            }
            LockSupport.unpark(caller);
        }

        private boolean settled() {
            return settled;
        }

        private O outcome() {
            if (failure instanceof RuntimeException r) {
                throw r;
            }
            if (failure instanceof Error err) {
                throw err;
            }
            return value;
        }
    }
}
