package com.dytallix.application.faucet;

import com.dytallix.application.payer.PayerElection;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantNotices;
import com.dytallix.domain.grant.PaymentRecords;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.grant.IllegalGrantTransitionException;
import com.dytallix.domain.key.FeePolicy;
import com.dytallix.domain.key.FeeSuggestion;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.KeyRing;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.SigningKey;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.LeaseLostException;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Turns a reserved grant into a transaction on the chain: nonce, sign and store in one step
 * (persist before send), then hand the stored bytes to the node. A send that may not have reached
 * the node leaves the grant SIGNED for the tracker to send again; a first send the node refused for
 * good fails the grant (its quota comes back) and gives its nonce back. A later send refused for good
 * (a replacement, bytes sent again) decides nothing: an earlier version of the grant may still be
 * mined, so the grant keeps its nonce until the chain uses it.
 *
 * <p>Only the instance holding the payer lease signs or sends; the store of signed bytes is fenced
 * by the lease in the same transaction. On any other instance a reserved grant stays PENDING in the
 * ledger until the payer pays it.
 */
public final class Payer {
    private static final System.Logger LOG = System.getLogger(Payer.class.getName());
    /** Fee suggestions are reused this long instead of asking the node for every grant. */
    private static final Duration FEE_CACHE = Duration.ofSeconds(2);
    /**
     * How often a request waiting for another instance to pay its grant reads the ledger by itself: while notices
     * cross instances (PostgreSQL) only in case one was lost; without them (SQLite), as its only way to know.
     */
    private static final Duration READ_AGAIN_NOTIFIED = Duration.ofMillis(250);
    private static final Duration READ_AGAIN_UNNOTIFIED = Duration.ofMillis(50);
    /** Grants signed and stored together at most: bounds one write and the wait of the first of them. */
    private static final int MOST_PER_SIGNING = 64;
    /**
     * Sends a request may leave running after its answer at most; past that a request waits for its
     * own send, however long the node takes, so a slow node cannot pile up unbounded background work.
     */
    private static final int MOST_DETACHED_SENDS = 256;
    /** What a request's send wait ends with when the node has not answered by then. */
    private static final Sent SENDING = new Sent.Sending();

    private final ChainNode node;
    private final KeyRing keys;
    private final PaymentRecords payments;
    private final NonceAllocator nonces;
    private final FeePolicy feePolicy;
    private final Clock clock;
    private final PayerElection election;
    private final GrantNotices notices;
    private final AtomicReference<CachedFees> fees = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Queued> queued = new ConcurrentLinkedQueue<>();
    /** Grants queued here for signing and not stored yet: the tracker leaves them to the request paying them. */
    private final Set<GrantId> paying = ConcurrentHashMap.newKeySet();
    /**
     * The grants of this instance's requests, from before their reservation until their answer ({@link #requestOpened}):
     * the payer's own passes leave them to their request, no notice is sent of them (their request is here), and
     * a notice that one moved wakes its request waiting for another instance to pay it.
     */
    private final Map<GrantId, Semaphore> requests = new ConcurrentHashMap<>();
    /**
     * Grants whose first send the node took, their request answered, and their move to SUBMITTED not
     * yet committed ("being recorded"): when the node took each, and when its record is written (or
     * given up). Their lookups say SUBMITTED meanwhile; {@link #awaitRecords} waits for them.
     */
    private final Map<GrantId, Unrecorded> acceptedUnrecorded = new ConcurrentHashMap<>();
    private final ReentrantLock feeRefresh = new ReentrantLock();
    /** A refresh of the fee suggestion a request started is under way on a thread of its own. */
    private final AtomicBoolean refreshingFees = new AtomicBoolean();
    /**
     * The bound on a request's answer from its arrival: past it a grant signed and stored but not yet taken by
     * the node is answered as stored, not yet sent. The tracker's own sends wait this long from their start.
     */
    private final Duration sendWait;
    private final Semaphore detachedSends = new Semaphore(MOST_DETACHED_SENDS);
    private volatile Long chainId;
    private volatile Instant fundsExhaustedAt;

    /**
     * @param sendWait the bound on a request's answer, counted from the request's arrival: a grant signed and
     *                 stored whose send the node has not answered by then is answered as SIGNED (stored, will
     *                 be sent) while the send finishes in the background. Signing and storing are never cut
     *                 short (no hash exists before them); a grant stored after the bound is answered at once
     * @param notices  how the instances tell each other that a grant was admitted for the payer, and that the payer
     *                 signed, sent or failed grants another instance's request waits for
     */
    public Payer(ChainNode node, KeyRing keys, PaymentRecords payments, NonceAllocator nonces, FeePolicy feePolicy,
                 PayerElection election, Clock clock, Duration sendWait, GrantNotices notices) {
        this.node = node;
        this.notices = notices;
        this.sendWait = sendWait;
        this.keys = keys;
        this.payments = payments;
        this.nonces = nonces;
        this.feePolicy = feePolicy;
        this.election = election;
        this.clock = clock;
    }

    private record CachedFees(FeeSuggestion suggestion, Instant at) {
    }

    /** What became of handing a stored transaction to the node. */
    public sealed interface Sent {
        /** The node has it (or already had it). */
        record Accepted(Instant at) implements Sent {
        }

        /** It may not have reached the node: the grant stays SIGNED and the tracker sends it again. */
        record Deferred(NodeFailure failure) implements Sent {
        }

        /** The node refused it for good: the grant failed and its nonce was given back. */
        record Refused(String reason, boolean outOfFunds) implements Sent {
        }

        /**
         * The node refused these bytes for good, but another version of the grant (or these very
         * bytes, sent before) may still be mined: the grant and its nonce are kept, and the tracker
         * decides the grant once the chain has used the nonce.
         */
        record Held(String reason) implements Sent {
        }

        /**
         * Not sent here: this instance does not hold the payer lease (any more), and the payer sends the
         * stored bytes; or, for the tracker, the grant's own request is sending them.
         */
        record Withheld() implements Sent {
        }

        /**
         * The node had not answered the send within the request's wait: the send goes on in the
         * background (the grant stays SIGNED until it is answered, and the tracker sends it again if
         * the process ends first).
         */
        record Sending() implements Sent {
        }
    }

    /** A grant this instance signed and stored under the lease, and what became of sending it. */
    private record Signed(Grant stored, Sent sent) {
    }

    /**
     * For the request that reserved the grant: signs, stores and sends it when this instance is the
     * payer; returns it as it now stands (SUBMITTED, or SIGNED when the send was deferred, or still
     * PENDING when another instance is the payer and pays it from the payments).
     *
     * @throws FaucetRefusal when the node cannot be reached before signing, or refuses the payment
     */
    public Grant pay(Grant reserved) {
        return pay(reserved, System.nanoTime());
    }

    /**
     * {@link #pay(Grant)} for a request that arrived at {@code arrivedAt} ({@link System#nanoTime()}): the wait
     * for the node's send ends at {@code arrivedAt} plus the send wait.
     */
    public Grant pay(Grant reserved, long arrivedAt) {
        if (!election.isPayer()) {
            // the payer hears of it at once, rather than at its next look at the ledger
            notices.admitted();
            return reserved;
        }
        Optional<Signed> paid;
        try {
            paid = signAndSend(reserved, true, arrivedAt);
        } catch (NodeException e) {
            // Nothing was signed here: the grant never existed for the user, unless the tracker signed it meanwhile
            // (then it is paid, and failing it would leave its transaction paying under a failed grant, or its
            // nonce a hole that stalls every later payment). Checking and failing are one step for that reason.
            if (payments.abandon(reserved.id(), "node unavailable before signing (" + e.failure().name() + ")", clock.instant())) {
                throw FaucetRefusal.nodeUnavailable("the node is not reachable; no payment was made");
            }
            return payments.find(reserved.id()).orElseThrow();
        }
        if (paid.isEmpty()) {
            return payments.find(reserved.id()).orElseThrow();
        }
        Grant stored = paid.get().stored();
        return switch (paid.get().sent()) {
            case Sent.Accepted accepted -> stored.submitted(accepted.at());
            case Sent.Deferred deferred -> stored;
            case Sent.Withheld withheld -> stored;
            case Sent.Sending sending -> stored;
            case Sent.Refused refused when refused.outOfFunds() -> throw FaucetRefusal.insufficientBalance();
            case Sent.Refused refused -> throw FaucetRefusal.sendRejected("the node refused the payment: " + refused.reason());
            case Sent.Held held -> stored;
        };
    }

    /**
     * For a grant another instance admitted (or a request that ended before it was paid): pays it
     * if this instance is the payer. A node failure leaves it PENDING for the next pass: it was
     * acknowledged and must still be paid.
     */
    void payOwed(Grant owed) {
        // queueing a grant a request of this instance pays (or is paying) would cost a signature and, in the next
        // batch, a rolled-back write
        if (owes(owed)) {
            // the tracker's pass goes on once the ledger says what became of the send: its next steps read it
            signAndSend(owed, false, 0);
        }
    }

    /** Whether this grant is the payer's passes' to pay: no request of this instance pays it or is paying it. */
    boolean owes(Grant pending) {
        return !paying.contains(pending.id()) && !requests.containsKey(pending.id());
    }

    /**
     * A request of this instance is about to reserve grant {@code id}: until {@link #requestClosed}, this instance's
     * own passes leave it to the request (however young it is), and a notice that it moved wakes the request.
     */
    public void requestOpened(GrantId id) {
        requests.put(id, new Semaphore(0));
    }

    /** The request of grant {@code id} is answered (or failed): the grant is owed like any other from now on. */
    public void requestClosed(GrantId id) {
        requests.remove(id);
    }

    /** Another instance (the payer) said these grants moved: the requests here waiting for them read them now. */
    public void moved(Set<GrantId> ids) {
        for (GrantId id : ids) {
            Semaphore waiting = requests.get(id);
            if (waiting != null) {
                waiting.release();
            }
        }
    }

    /**
     * Waits until another instance (the payer) has signed and sent the grant, or this instance became the payer and
     * paid it, or the time is up; returns the grant as it then stands. The wait for the payer to sign it ends
     * {@code wait} after the request's arrival ({@code arrivedAt}, {@link System#nanoTime()}): a grant not signed
     * by then is answered PENDING (stored, will be paid). Once it is signed (a hash exists), its send is waited
     * for the send wait from that moment, as the payer waits for its own sends, and a grant still SIGNED then is
     * answered so (stored, will be sent). SUBMITTED is read from the ledger, written once the node took the
     * transaction: never said of a grant not sent. The request reads the ledger when the payer's notice says the
     * grant moved, and by itself every {@link #READ_AGAIN_NOTIFIED} (only in case a notice was lost) or, where
     * notices do not cross instances, {@link #READ_AGAIN_UNNOTIFIED}. Should this instance become the payer
     * meanwhile, it pays the grant as {@link #pay(Grant, long)} does.
     */
    public Grant awaitPayment(Grant reserved, Duration wait, long arrivedAt) {
        Semaphore heard = requests.get(reserved.id());
        boolean opened = heard == null;
        if (opened) {
            // not opened by the request: a notice may have gone by already, so the first read is at once
            heard = new Semaphore(1);
            requests.put(reserved.id(), heard);
        }
        long readEvery = (notices.acrossInstances() ? READ_AGAIN_NOTIFIED : READ_AGAIN_UNNOTIFIED).toNanos();
        long signBy = arrivedAt + wait.toNanos();
        long sendBy = 0;
        boolean signed = false;
        Grant now = reserved;
        try {
            while (true) {
                if (now.status() == GrantStatus.PENDING && election.isPayer()) {
                    return pay(now, arrivedAt);
                }
                if (now.status() != GrantStatus.PENDING && now.status() != GrantStatus.SIGNED) {
                    return now;
                }
                long t = System.nanoTime();
                if (now.status() == GrantStatus.SIGNED && !signed) {
                    signed = true;
                    sendBy = t + sendWait.toNanos();
                }
                long until = signed ? sendBy : signBy;
                if (until - t <= 0) {
                    return now;
                }
                try {
                    if (heard.tryAcquire(Math.min(until - t, readEvery), TimeUnit.NANOSECONDS)) {
                        heard.drainPermits();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return now;
                }
                now = payments.find(reserved.id()).orElse(now);
            }
        } finally {
            if (opened) {
                requests.remove(reserved.id(), heard);
            }
        }
    }

    /**
     * Signs under the lease, stores the bytes fenced by it, then sends them. Empty when this
     * instance did not sign: it holds no lease (or lost it), or the grant was signed meanwhile.
     *
     * <p>Grants are signed in batches: each request queues its grant and takes the sending key's
     * nonce lock; whoever holds it signs every grant queued by then (outside any database lock)
     * and stores them all in one write fenced by the lease, so under load one write carries many
     * grants instead of each waiting its turn for the lock. Each request then sends its own grant.
     *
     * <p>A request's send ({@code answerBeforeRecord}) is waited for until {@code arrivedAt} (its request's
     * arrival, {@link System#nanoTime()}) plus the send wait; the tracker's ({@code arrivedAt} unused) for the
     * send wait from the send's start.
     *
     * @throws NodeException when the node cannot be reached before signing (nothing was stored)
     */
    private Optional<Signed> signAndSend(Grant reserved, boolean answerBeforeRecord, long arrivedAt) {
        Optional<Lease> lease = election.held();
        if (lease.isEmpty()) {
            return Optional.empty();
        }
        SigningKey key = keys.active();
        long chain = chainId();
        Fees txFees = feePolicy.initial(feesWithoutWaiting());
        long[] times = GrantTimings.current();
        Queued mine = new Queued(reserved, times);
        paying.add(reserved.id());
        Stored stored;
        boolean detached = false;
        try {
            queued.add(mine);
            GrantTimings.mark(times, GrantTimings.QUEUED);
            try {
                nonces.withNonces(key.address(), taking -> {
                    while (!mine.result.isDone() && !queued.isEmpty()) {
                        signQueued(taking, key, chain, txFees, lease.get());
                    }
                    return null;
                });
            } catch (NodeException e) {
                // learning the key's nonces failed: unless a batch took it meanwhile, nothing will sign this grant
                if (queued.remove(mine)) {
                    throw e;
                }
            }
            try {
                // a batch under another key's lock (a rotation just now) may still be storing it
                stored = mine.result.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
            GrantTimings.mark(times, GrantTimings.STORED);
            if (stored.lost()) {
                // another instance is the payer now; it pays this grant from the ledger
                election.lost(lease.get());
                return Optional.empty();
            }
            if (stored.tx().isEmpty()) {
                // paid meanwhile by this instance's other path (the request and the tracker both saw it)
                return Optional.empty();
            }
            SignedTransaction tx = stored.tx().get();
            Grant signed = reserved.signed(tx, stored.at());
            if (!detachedSends.tryAcquire()) {
                // as many sends as the bound already outlive their requests: this request waits for its own
                return Optional.of(new Signed(signed, send(reserved.id(), tx.from(), tx.nonce(), tx.rawHex(), true, true, null)));
            }
            detached = true;
            // a request's answer is bounded from its arrival: queueing, signing and storing took their part already
            long answerBy = (answerBeforeRecord ? arrivedAt : System.nanoTime()) + sendWait.toNanos();
            return Optional.of(new Signed(signed, sendWithin(reserved.id(), tx, answerBeforeRecord, answerBy)));
        } finally {
            // held until the send is answered: the tracker leaves a SIGNED grant to the request sending it
            if (!detached) {
                paying.remove(reserved.id());
            }
        }
    }

    /**
     * The first send of a stored transaction on a thread of its own, waited for until {@code answerBy}
     * ({@link System#nanoTime()}): what became of it, or {@link Sent.Sending} when the node has not answered
     * by then (at once when that moment has passed already; the send goes on all the same). With {@code answerBeforeRecord} (a request's send) a send the node took is answered at
     * once ({@link Sent.Accepted}) and its move to SUBMITTED written after, on the sending thread. The
     * grant stays in {@link #paying} until the send is answered and recorded, whenever that is, so the
     * tracker never sends it beside this send; if the process ends first, the grant is SIGNED in the
     * ledger and the tracker of the next start sends the same bytes.
     */
    private Sent sendWithin(GrantId id, SignedTransaction tx, boolean answerBeforeRecord, long answerBy) {
        CompletableFuture<Sent> sent = new CompletableFuture<>();
        long[] times = GrantTimings.current();
        try {
            Thread.ofVirtual().name("grant-send").start(() -> {
                GrantTimings.adopt(times);
                Sent outcome = null;
                Throwable failure = null;
                try {
                    // answered as soon as the node took it: recording the move to SUBMITTED is the ledger's
                    // bookkeeping, not the user's wait (the bytes were stored before the send; a process that
                    // ends before this write leaves the grant SIGNED, and the next start sends the same bytes)
                    outcome = send(id, tx.from(), tx.nonce(), tx.rawHex(), true, true, !answerBeforeRecord ? null : at -> {
                        // known as being recorded before anyone hears of the answer
                        acceptedUnrecorded.put(id, new Unrecorded(at, new CompletableFuture<>()));
                        sent.complete(new Sent.Accepted(at));
                    });
                } catch (RuntimeException | Error e) {
                    failure = e;
                } finally {
                    // once the send is answered and recorded, the grant is the tracker's again (a reorg right
                    // after must find it sendable, as when the request sent it itself); before a failure reaches
                    // the request, which then does not wait for the write
                    Unrecorded recording = acceptedUnrecorded.remove(id);
                    paying.remove(id);
                    detachedSends.release();
                    if (recording != null) {
                        // written, or given up (the grant stays SIGNED): whoever waits for the records goes on
                        recording.written().complete(null);
                    }
                }
                if (failure != null) {
                    if (!sent.completeExceptionally(failure)) {
                        // the request was answered when the node took it; the grant stays SIGNED in the ledger,
                        // in the tracker's hands again, which sends the same bytes and follows them to a receipt
                        LOG.log(System.Logger.Level.WARNING, "grant {0}: recording its send failed: {1}", id, failure.toString());
                    }
                } else {
                    sent.complete(outcome);
                }
            });
        } catch (RuntimeException | Error e) {
            // no thread to send it (out of memory): the grant stays SIGNED, for the tracker to send
            paying.remove(id);
            detachedSends.release();
            throw e;
        }
        if (sent.isDone() || answerBy - System.nanoTime() <= 0) {
            // answered already, or the request's bound is over (it waited that long for its turn to be signed and
            // stored): the answer is what the send says by now, else the hash, stored and being sent
            sent.complete(SENDING);
            return answered(sent);
        }
        // an untimed wait, ended at answerBy by the one sweeper of SendDeadlines (it completes the future as still
        // being sent), not a timed one: that armed a timer on the JDK's delay scheduler for every grant
        SendDeadlines.Deadline<Sent> deadline = SendDeadlines.SHARED.watchUntil(sent, SENDING, answerBy);
        try {
            return sent.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new CompletionException(e.getCause());
        } finally {
            SendDeadlines.SHARED.unwatch(deadline);
        }
        // interrupted, unless it was answered just now: a failure from now on is the sending thread's to log (the
        // grant stays SIGNED, and the tracker sends it again)
        sent.complete(SENDING);
        return answered(sent);
    }

    private static Sent answered(CompletableFuture<Sent> sent) {
        try {
            return sent.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * When the node took the grant's transaction, for a grant whose request was answered so and whose
     * move to SUBMITTED is still being written: its lookups show it SUBMITTED, as its answer did.
     */
    public Optional<Instant> acceptedNotRecorded(GrantId id) {
        return Optional.ofNullable(acceptedUnrecorded.get(id)).map(Unrecorded::at);
    }

    /**
     * Waits, at most {@code wait}, until every grant answered as taken by the node before this call
     * has its move to SUBMITTED written to the ledger (or given up, leaving it SIGNED for the tracker):
     * for a graceful stop before the ledger closes, and for whoever reads the ledger right after an
     * answer. True when none is left being recorded; false when the time ran out first.
     */
    public boolean awaitRecords(Duration wait) {
        CompletableFuture<?>[] recording = acceptedUnrecorded.values().stream().map(Unrecorded::written)
                .toArray(CompletableFuture[]::new);
        if (recording.length == 0) {
            return true;
        }
        try {
            CompletableFuture.allOf(recording).get(wait.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true; // never completed so: each is completed once its write ended, however it ended
        }
    }

    /** A grant being recorded: when the node took it, and done once its record is written or given up. */
    private record Unrecorded(Instant at, CompletableFuture<Void> written) {
    }

    /** A grant waiting to be signed, and what became of it once a batch took it. */
    private record Queued(Grant grant, CompletableFuture<Stored> result, long[] times) {
        Queued(Grant grant, long[] times) {
            this(grant, new CompletableFuture<>(), times);
        }
    }

    /** The transaction stored for a grant; empty when it was paid meanwhile, or {@code lost} the lease. */
    private record Stored(Optional<SignedTransaction> tx, Instant at, boolean lost) {
    }

    /**
     * Signs up to {@link #MOST_PER_SIGNING} queued grants with consecutive nonces and stores them in
     * one write. A grant queued twice (the request and the tracker both saw it) is signed once; one
     * the ledger says was paid meanwhile is dropped and the rest signed again, so no stored nonce
     * ever has an unused one below it.
     */
    private void signQueued(NonceAllocator.Taking taking, SigningKey key, long chain, Fees txFees, Lease lease) {
        Map<GrantId, List<Queued>> batch = new LinkedHashMap<>();
        for (Queued q = queued.poll(); q != null; q = batch.size() < MOST_PER_SIGNING ? queued.poll() : null) {
            batch.computeIfAbsent(q.grant().id(), id -> new ArrayList<>()).add(q);
        }
        Instant signedAt = now();
        try {
            while (!batch.isEmpty()) {
                List<Long> nonceList = taking.take(batch.size());
                long signingFrom = GrantTimings.ON ? System.nanoTime() : 0;
                List<PaymentRecords.Signing> signings = new ArrayList<>(batch.size());
                for (List<Queued> same : batch.values()) {
                    Grant g = same.getFirst().grant();
                    signings.add(new PaymentRecords.Signing(g.id(), key.sign(new UnsignedTransaction(chain,
                            nonceList.get(signings.size()), g.address(), g.amount(), UnsignedTransaction.TRANSFER_GAS, txFees))));
                }
                Set<GrantId> notPending;
                long writeFrom = GrantTimings.ON ? System.nanoTime() : 0;
                try {
                    notPending = payments.markSigned(signings, signedAt, lease);
                    if (GrantTimings.ON) {
                        long writeTo = System.nanoTime();
                        for (List<Queued> same : batch.values()) {
                            for (Queued q : same) {
                                GrantTimings.set(q.times(), GrantTimings.SIGNING, writeFrom - signingFrom);
                                GrantTimings.set(q.times(), GrantTimings.SIGN_WRITE, writeTo - writeFrom);
                                GrantTimings.set(q.times(), GrantTimings.BATCH, batch.size());
                            }
                        }
                    }
                } catch (LeaseLostException e) {
                    taking.settle(nonceList, Set.of());
                    complete(batch.values(), new Stored(Optional.empty(), signedAt, true));
                    return;
                }
                if (notPending.isEmpty()) {
                    taking.settle(nonceList, Set.copyOf(nonceList));
                    tell(signings.stream().map(PaymentRecords.Signing::id).toList());
                    for (PaymentRecords.Signing signing : signings) {
                        complete(List.of(batch.get(signing.id())), new Stored(Optional.of(signing.tx()), signedAt, false));
                    }
                    return;
                }
                taking.settle(nonceList, Set.of());
                for (GrantId paid : notPending) {
                    complete(List.of(batch.remove(paid)), new Stored(Optional.empty(), signedAt, false));
                }
            }
        } catch (RuntimeException | Error e) {
            // nothing of what is left was stored: its nonces are handed out again
            batch.values().forEach(same -> same.forEach(q -> q.result().completeExceptionally(e)));
            throw e;
        }
    }

    private static void complete(Collection<List<Queued>> grants, Stored stored) {
        grants.forEach(same -> same.forEach(q -> q.result().complete(stored)));
    }

    /**
     * For the tracker: hands a grant's stored bytes to the node again (a re-send, a replacement, after
     * a reorg) and records what happened. Never throws for node failures. {@code onlyVersion}: these
     * bytes are the only transaction the grant ever had.
     */
    Sent send(GrantId id, com.dytallix.domain.Address from, long nonce, String rawHex, boolean onlyVersion) {
        if (paying.contains(id)) {
            // its request is signing or sending it right now: a second send would at best be known already, and
            // against a node that mines at once it would leave the request's own send "nonce too low", answered
            // to the user as not yet sent
            return new Sent.Withheld();
        }
        return send(id, from, nonce, rawHex, false, onlyVersion, null);
    }

    /**
     * Hands stored bytes to the node and records what happened. Never throws for node failures. A
     * refusal for good fails the grant (and gives its nonce back) only when no transaction of the
     * grant can be mined: at its {@code first} send, when nothing of it was ever handed to a node; or
     * when these bytes are its {@code onlyVersion} and the refusal is about the bytes themselves
     * (chain id, gas, encoding), so no node ever took them. Otherwise (lack of funds can pass, a
     * replacement leaves earlier versions behind) the grant keeps its nonce until the chain uses it.
     */
    private Sent send(GrantId id, com.dytallix.domain.Address from, long nonce, String rawHex, boolean first,
                      boolean onlyVersion, Consumer<Instant> accepted) {
        if (!election.isPayer()) {
            // stored bytes: the payer sends them; a payer that lost its lease sends nothing more
            return new Sent.Withheld();
        }
        try {
            node.sendRawTransaction(rawHex);
            GrantTimings.mark(GrantTimings.current(), GrantTimings.SENT);
            return submitted(id, accepted);
        } catch (NodeException e) {
            return switch (e.failure()) {
                case ALREADY_KNOWN -> submitted(id, accepted);
                case INSUFFICIENT_FUNDS -> {
                    fundsExhaustedAt = clock.instant();
                    yield first ? refuseForGood(id, from, nonce, "insufficient funds in the faucet account", true)
                            : new Sent.Held("insufficient funds in the faucet account");
                }
                case WRONG_CHAIN_ID, INTRINSIC_GAS, INVALID_TRANSACTION -> first || onlyVersion
                        ? refuseForGood(id, from, nonce, "rejected by the node: " + e.getMessage(), false)
                        : new Sent.Held("rejected by the node: " + e.getMessage());
                case RPC_ERROR -> first
                        ? refuseForGood(id, from, nonce, "rejected by the node: " + e.getMessage(), false)
                        : new Sent.Held("rejected by the node: " + e.getMessage());
                // NONCE_TOO_LOW: the tracker finds out whether one of our hashes was mined.
                // Transient failures, UNDERPRICED, NONCE_TOO_HIGH: still valid, sent again later.
                default -> {
                    LOG.log(System.Logger.Level.INFO, "grant {0}: send deferred ({1})", id, e.failure());
                    yield new Sent.Deferred(e.failure());
                }
            };
        }
    }

    /** {@code accepted}, when given, hears that the node took it before the move to SUBMITTED is written. */
    private Sent submitted(GrantId id, Consumer<Instant> accepted) {
        Instant at = now();
        if (accepted != null) {
            accepted.accept(at);
            // the request just woken waits for a carrier thread; this one would keep its own through the record's
            // write (the database's native code pins it), so on two cores the answer waited behind the write
            Thread.yield();
        }
        try {
            payments.markSubmitted(id, at);
            GrantTimings.mark(GrantTimings.current(), GrantTimings.SUBMITTED);
            tell(List.of(id));
        } catch (IllegalGrantTransitionException settled) {
            // the node mined it at once and the tracker confirmed it from its receipt before this send was recorded
            if (payments.find(id).map(Grant::status).orElse(GrantStatus.FAILED) != GrantStatus.CONFIRMED) {
                throw settled;
            }
        }
        return new Sent.Accepted(at);
    }

    /** Tells the other instances of these grants' moves, but for those a request of this instance waits for here. */
    private void tell(List<GrantId> moved) {
        List<GrantId> elsewhere = moved.stream().filter(id -> !requests.containsKey(id)).toList();
        if (!elsewhere.isEmpty()) {
            notices.moved(elsewhere);
        }
    }

    /** The ledger keeps milliseconds; the grant a payment returns says the same times as a later read. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private Sent refuseForGood(GrantId id, com.dytallix.domain.Address from, long nonce, String reason, boolean outOfFunds) {
        payments.markFailed(id, reason, clock.instant());
        tell(List.of(id));
        nonces.release(from, nonce);
        LOG.log(System.Logger.Level.WARNING, "grant {0} failed: {1}", id, reason);
        return new Sent.Refused(reason, outOfFunds);
    }

    /** Set when a send failed for lack of funds; cleared once a balance read after it shows enough. */
    public Optional<Instant> fundsExhaustedAt() {
        return Optional.ofNullable(fundsExhaustedAt);
    }

    public void fundsRestored() {
        fundsExhaustedAt = null;
    }

    /** Waits until the grant is CONFIRMED or FAILED, or the time is up. */
    public Optional<Grant> awaitFinal(GrantId id, Duration wait) {
        Instant deadline = clock.instant().plus(wait);
        while (true) {
            Optional<Grant> g = payments.find(id);
            if (g.isEmpty() || g.get().status().isFinal() || !clock.instant().isBefore(deadline)) {
                return g;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return g;
            }
        }
    }

    /** The node's chain id, asked once (concurrent first payments must not all ask the node). */
    long chainId() {
        Long c = chainId;
        if (c == null) {
            synchronized (this) {
                c = chainId;
                if (c == null) {
                    c = node.chainId();
                    chainId = c;
                }
            }
        }
        return c;
    }

    /**
     * The fee suggestion for a request's grant, never waiting for the node once one is known: a stale one starts a
     * refresh on a thread of its own (one at a time) and prices this grant meanwhile, as it prices every grant signed
     * while another thread asks ({@link #feeSuggestion}). A request that refreshed the fees itself waited for the node's
     * three answers before its grant was even queued for signing, once every {@link #FEE_CACHE}, and longer when the
     * node was busy mining a block. Only the first grant of the process waits for the node's first suggestion.
     */
    private FeeSuggestion feesWithoutWaiting() {
        CachedFees cached = fees.get();
        if (cached == null) {
            return feeSuggestion();
        }
        if (cached.at().plus(FEE_CACHE).isBefore(clock.instant()) && refreshingFees.compareAndSet(false, true)) {
            try {
                Thread.ofVirtual().name("fee-refresh").start(() -> {
                    try {
                        feeSuggestion();
                    } catch (RuntimeException e) {
                        // the next stale look starts another; meanwhile the known suggestion prices the grants
                        LOG.log(System.Logger.Level.DEBUG, "fee suggestion not refreshed: {0}", e.getMessage());
                    } finally {
                        refreshingFees.set(false);
                    }
                });
            } catch (RuntimeException | Error e) {
                refreshingFees.set(false); // no thread for it (out of memory)
                throw e;
            }
        }
        return cached.suggestion();
    }

    /**
     * Fee suggestions, asked at most once per {@link #FEE_CACHE} by one thread at a time. While one
     * thread asks, the others use the previous suggestion; if the node cannot answer right now, a
     * stale suggestion still prices a valid transaction (a stuck one is re-priced later).
     */
    FeeSuggestion feeSuggestion() {
        CachedFees cached = fees.get();
        if (cached != null && !cached.at().plus(FEE_CACHE).isBefore(clock.instant())) {
            return cached.suggestion();
        }
        if (cached != null && !feeRefresh.tryLock()) {
            return cached.suggestion();
        }
        if (cached == null) {
            feeRefresh.lock();
        }
        try {
            CachedFees current = fees.get();
            if (current != null && current != cached) {
                return current.suggestion();
            }
            CachedFees fresh = new CachedFees(node.fees(), clock.instant());
            fees.set(fresh);
            return fresh.suggestion();
        } catch (NodeException e) {
            if (cached != null && e.failure().isTransient()) {
                return cached.suggestion();
            }
            throw e;
        } finally {
            feeRefresh.unlock();
        }
    }
}
