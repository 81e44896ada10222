package com.dytallix.application.faucet;

import com.dytallix.application.payer.PayerElection;
import com.dytallix.domain.Address;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.StoreBusyException;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.Payment;
import com.dytallix.domain.grant.RecordedBlock;
import com.dytallix.domain.grant.Settlements;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.key.FeePolicy;
import com.dytallix.domain.key.FeeSuggestion;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.KeyRing;
import com.dytallix.domain.key.RetiringKey;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.SigningKey;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.payer.InternalTransfer;
import com.dytallix.domain.payer.InternalTransfers;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.LeaseLostException;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.ChainReads;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.sync.Receipt;
import com.dytallix.domain.telemetry.Telemetry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Follows every unfinished grant to its end: sends what is stored but not yet accepted, records
 * the block a receipt names and confirms once that block is deep enough (or fails by receipt),
 * re-opens grants whose block a reorg took away, re-prices transactions that sit unmined, fills
 * nonce gaps, and finishes rotated-away keys (drain on request, then forget). Gap fillers and drains
 * are signed, stored under the payer lease and only then sent, like grants; their stored bytes are
 * followed to the end and sent again after a crash, a takeover or a reorg. {@link #reconcile()} at start-up also
 * settles grants a crash left behind; grants admitted but not yet signed (by another instance, or by
 * a request that ended first) are paid. Only the payer (the instance holding the payer lease) does
 * any of it; each pass is safe to repeat.
 */
public final class GrantTracker {
    private static final System.Logger LOG = System.getLogger(GrantTracker.class.getName());
    /**
     * Owed grants paid at once at most: each waits for its signing batch and its send, so paying them together
     * puts them in one batch instead of one write and one send wait after another.
     */
    private static final int MOST_OWED_AT_ONCE = 64;
    /** Passes stopped one after another for this long are worth one warning (a single stopped pass is not). */
    static final Duration STALL_WARN_AFTER = Duration.ofSeconds(5);

    /**
     * A payment unmined this long after its last send makes a pass ask the node's pool (once per sender, not
     * per payment) which nonces it holds; one it does not hold is sent again. Short, so a transaction the node
     * forgot waits seconds, not {@code replaceAfter}; a chain with blocks this far apart pays the one call per
     * pass while payments wait for the next block.
     */
    static final Duration HELD_CHECK_AFTER = Duration.ofSeconds(2);

    /** Blocks a pass reads whole receipts of at most: grants mined further back are asked for one by one. */
    private static final int RECEIPT_BLOCKS_PER_PASS = 4;

    private final ChainNode node;
    private final KeyRing keys;
    private final Settlements settlements;
    private final InternalTransfers transfers;
    private final NonceAllocator nonces;
    private final Payer payer;
    private final FeePolicy feePolicy;
    private final Duration replaceAfter;
    private final Finality finality;
    private final Clock clock;
    private final Telemetry telemetry;
    private final PayerElection election;
    private final ChainGuard chainGuard;
    private final Stalls stalls = new Stalls();
    /** The highest block whose receipts a pass has read: the next pass reads only newer blocks'. */
    private volatile long receiptsReadUpTo = -1;
    /** Cleared when the node does not answer {@code eth_getBlockReceipts}: receipts one by one from then on. */
    private volatile boolean blockReceipts = true;
    /**
     * Payments one pass found dropped (their nonce used, none of their hashes with a receipt): failed only when a
     * later pass finds the same, so that one pass's view cannot fail a paid grant (a block landing between the
     * pass's head and its nonce read, a node whose state shows a block before its receipts do). Only payments
     * still in flight are kept.
     */
    private final Set<GrantId> seenDropped = ConcurrentHashMap.newKeySet();
    /** Each sender's mined nonce as the last pass read it, and when it last rose. */
    private final Map<Address, MinedSeen> minedSeen = new ConcurrentHashMap<>();
    /** Per sender, the payment at the lowest nonce the node's pool does not count, as a pass last found it there. */
    private final Map<Address, Blocker> blockers = new ConcurrentHashMap<>();
    /** Per sender, the filler or drain at its mined nonce (the next one the chain takes), as a pass last found it there. */
    private final Map<Address, Blocker> frontTransfers = new ConcurrentHashMap<>();

    /**
     * A sender's mined nonce as a pass last read it (a lower one at the next pass is a rollback), and when a pass last
     * found it higher than the pass before ({@code null}: not seen rising), that is, the chain taking its transactions.
     */
    private record MinedSeen(long nonce, Instant rose) {
    }

    /**
     * A transaction in the way of every later nonce of its sender (a payment at the nonce the node's pool counts up to,
     * {@code eth_getTransactionCount(pending)}; a filler or drain at the mined nonce), in that version ({@code hash}),
     * first found there at {@code since}.
     */
    private record Blocker(TxHash hash, Instant since) {
        /** Whether {@code hash} has been in the way since {@code limit} ago; noted in {@code map} from now if it was not before. */
        static boolean inTheWay(Map<Address, Blocker> map, Address from, TxHash hash, Instant now, Duration limit) {
            Blocker b = map.compute(from, (a, was) -> was != null && was.hash().equals(hash) ? was : new Blocker(hash, now));
            return !b.since().plus(limit).isAfter(now);
        }
    }

    public GrantTracker(ChainNode node, KeyRing keys, Settlements settlements, InternalTransfers transfers,
                        NonceAllocator nonces, Payer payer, FeePolicy feePolicy, Duration replaceAfter, Finality finality,
                        PayerElection election, ChainGuard chainGuard, Clock clock, Telemetry telemetry) {
        this.chainGuard = chainGuard;
        this.node = node;
        this.keys = keys;
        this.settlements = settlements;
        this.transfers = transfers;
        this.nonces = nonces;
        this.payer = payer;
        this.feePolicy = feePolicy;
        this.replaceAfter = replaceAfter;
        this.finality = finality;
        this.clock = clock;
        this.telemetry = telemetry;
        this.election = election;
    }

    /**
     * Start-up: settles everything a crash or an earlier payer left behind with a normal pass. A
     * PENDING grant was admitted and may have been acknowledged (202): it is paid, not dropped.
     */
    public void reconcile() {
        // no request of this process is paying anything yet: every PENDING grant is owed now
        payOwed();
        tick();
    }

    /**
     * Pays, oldest first, every admitted grant that no request of this instance is paying (those are left to their
     * request however young: {@link Payer#requestOpened}), up to {@link #MOST_OWED_AT_ONCE} at once. Only on the
     * payer; run when another instance says it admitted one, and on a schedule besides.
     */
    public void payOwed() {
        if (!election.isPayer()) {
            return;
        }
        try {
            List<Grant> owed = settlements.pendingOlderThan(Duration.ZERO).stream().filter(payer::owes).toList();
            for (int from = 0; from < owed.size(); from += MOST_OWED_AT_ONCE) {
                payTogether(owed.subList(from, Math.min(owed.size(), from + MOST_OWED_AT_ONCE)));
            }
        } catch (NodeException e) {
            LOG.log(System.Logger.Level.DEBUG, "paying admitted grants stopped: node {0}", e.failure());
        } catch (StoreBusyException e) {
            LOG.log(System.Logger.Level.DEBUG, "paying admitted grants stopped: {0}", e.getMessage());
        }
    }

    /** Pays these grants each on a thread of its own, so they are signed in one batch; the first failure is thrown. */
    private void payTogether(List<Grant> owed) {
        if (owed.size() == 1) {
            payer.payOwed(owed.getFirst());
            return;
        }
        List<java.util.concurrent.Future<?>> paying = new ArrayList<>();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            owed.forEach(g -> paying.add(threads.submit(() -> payer.payOwed(g))));
        }
        for (java.util.concurrent.Future<?> p : paying) {
            try {
                p.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * One pass over the unfinished grants; only on the payer. Every chain read of a pass comes from
     * one node (with several, the one with the best head), so its head, block hashes, nonces and
     * receipts agree: a node a few blocks behind cannot make a mined payment look dropped. Node
     * failures end the pass; the next one tries again.
     */
    public void tick() {
        if (!election.isPayer()) {
            return;
        }
        Instant now = clock.instant();
        Map<Address, Long> mined = new HashMap<>();
        try {
            ChainReads chain = node.consistent();
            // the node this pass reads must be on the ledger's chain: a pass on a relaunched chain would take every
            // watched block for a reorg and send the old chain's payments to the new one
            if (!chainGuard.check(chain)) {
                stalls.completed();
                return;
            }
            // nothing to do once seeded; after an adoption (or a new lease) the seeding settles what the old chain left in
            // flight at this pass, not at the next grant: grants the new chain paid are carried over, the rest cancelled.
            // Keys rotated away too: no grant seeds them, and their grants the adoption failed may have been paid as well
            nonces.ensureSeeded(keys.active().address());
            keys.retiring().forEach(r -> nonces.ensureSeeded(r.address()));
            payOwed();
            long head = chain.head().number();
            Pass pass = new Pass(chain, head);
            Set<Address> watchedSenders = watchReorgs(pass, now);
            List<Payment> inFlight = settlements.inFlight();
            try {
                for (Payment p : inFlight) {
                    track(p, mined.computeIfAbsent(p.from(), chain::minedNonce), pass, now);
                }
            } finally {
                record(pass, now);
            }
            if (!seenDropped.isEmpty()) {
                Set<GrantId> still = new HashSet<>();
                inFlight.forEach(p -> still.add(p.id()));
                seenDropped.retainAll(still);
            }
            sendWaiting(pass, mined, now);
            List<InternalTransfer> open = trackTransfers(chain, mined, head, now);
            adoptHoles(chain, mined, inFlight, open);
            fillGaps(mined, inFlight, open, now);
            finishRetiringKeys(inFlight, watchedSenders, open, now);
            stalls.completed();
        } catch (NodeException e) {
            stalls.stopped("node " + e.failure());
        } catch (StoreBusyException e) {
            stalls.stopped(e.getMessage());
        }
    }

    /**
     * The node's chain changed (a reset found, or a new chain adopted): what the passes remember of the chain (the blocks
     * whose receipts were read, the senders' mined nonces, payments seen dropped) belongs to the old one.
     */
    public void chainChanged() {
        receiptsReadUpTo = -1;
        blockReceipts = true;
        minedSeen.clear();
        seenDropped.clear();
        blockers.clear();
        frontTransfers.clear();
    }

    /**
     * Stopped passes, one after another: each is logged at DEBUG (the next pass tries again); a run
     * of them lasting {@link #STALL_WARN_AFTER} gets one WARN, and the first pass that completes
     * after it one INFO, so a node down for an hour makes two lines, not one a second.
     */
    private final class Stalls {
        private Instant since;
        private boolean warned;

        synchronized void stopped(String why) {
            Instant now = clock.instant();
            if (since == null) {
                since = now;
            }
            LOG.log(System.Logger.Level.DEBUG, "tracker pass stopped: {0}", why);
            if (!warned && !Duration.between(since, now).minus(STALL_WARN_AFTER).isNegative()) {
                warned = true;
                LOG.log(System.Logger.Level.WARNING, "tracker passes have stopped for {0} s ({1}): payments are not followed,"
                        + " re-sent or re-priced until a pass completes", Duration.between(since, now).toSeconds(), why);
            }
        }

        synchronized void completed() {
            if (warned) {
                LOG.log(System.Logger.Level.INFO, "tracker passes complete again, after {0} s stopped",
                        Duration.between(since, clock.instant()).toSeconds());
            }
            since = null;
            warned = false;
        }
    }

    /**
     * What one pass learns: from receipts, the inclusions and confirmations, written together when it
     * ends (or stops early), and the receipts it read, a block at a time where the node allows; and the
     * payments whose nonce the chain has not used, sent (or re-priced) together once every payment has
     * been looked at, in nonce order per sender.
     */
    private final class Pass {
        final List<Settlements.Inclusion> included = new ArrayList<>();
        final List<Settlements.Confirmation> deep = new ArrayList<>();
        /** Payments whose nonce the chain has not used (and not recorded in a block above the head). */
        final List<Payment> waiting = new ArrayList<>();
        /** Grants re-opened in this pass (a reorg took their block): their stored bytes go again. */
        final Map<GrantId, Grant> reopened = new HashMap<>();
        /** Grants recorded in blocks above the head, which a rollback may have taken: their bytes are offered again. */
        final List<Grant> aboveHead = new ArrayList<>();
        final ChainReads chain;
        final long head;
        private Map<TxHash, Receipt> inNewBlocks;

        Pass(ChainReads chain, long head) {
            this.chain = chain;
            this.head = head;
        }

        /**
         * From the receipts of the blocks mined since the last pass read them (read once, when first
         * needed); a transaction not among them (mined earlier, or the node answers no block's
         * receipts) is asked for by itself.
         */
        Optional<Receipt> receipt(TxHash hash) {
            if (inNewBlocks == null) {
                inNewBlocks = readNewBlocks();
            }
            Receipt r = inNewBlocks.get(hash);
            return r != null ? Optional.of(r) : chain.receipt(hash);
        }

        private Map<TxHash, Receipt> readNewBlocks() {
            Map<TxHash, Receipt> found = new HashMap<>();
            if (!blockReceipts) {
                return found;
            }
            for (long b = Math.max(receiptsReadUpTo + 1, head - RECEIPT_BLOCKS_PER_PASS + 1); b <= head; b++) {
                try {
                    chain.blockReceipts(b).ifPresent(list -> list.forEach(r -> found.put(r.hash(), r)));
                } catch (NodeException e) {
                    if (!e.failure().isTransient()) {
                        blockReceipts = false;
                        LOG.log(System.Logger.Level.INFO, "the node does not answer eth_getBlockReceipts ({0}): receipts are "
                                + "read one transaction at a time", e.failure());
                    }
                    return found;
                }
            }
            receiptsReadUpTo = head;
            return found;
        }
    }

    private void record(Pass news, Instant now) {
        Settlements.Settled settled = settlements.settle(news.included, news.deep, now);
        // a grant a reorg re-opened is confirmed again, but counted once
        settled.firstConfirmed().forEach(id -> telemetry.grantOutcome("confirmed"));
        settled.refused().forEach((id, why) -> LOG.log(System.Logger.Level.WARNING, "grant {0} left as it is: {1}", id, why));
    }

    /**
     * One payment: settled from what the pass read when the chain has used its nonce; otherwise left to
     * {@link #sendWaiting}, which sends, sends again or re-prices it. A payment recorded in a block the
     * chain has reached, yet whose nonce the chain has not used, lost that block: it is re-opened here.
     * Most payments of a pass just wait in the node's pool, and are not read whole.
     */
    private void track(Payment p, long minedNonce, Pass pass, Instant now) {
        if (p.nonce() < minedNonce) {
            settle(p, pass.head, now, pass);
            return;
        }
        if (p.blockNumber().isPresent() && !pass.reopened.containsKey(p.id())) {
            if (p.blockNumber().get() > pass.head) {
                return; // a block above the head says nothing by itself: the reorg watch handed its grants to the pass
            }
            // recorded in a block, yet the chain has not used its nonce: that block is gone
            Optional<Grant> g = whole(p);
            if (g.isEmpty()) {
                return;
            }
            reopen(List.of(g.get()), "its nonce " + p.nonce() + " is unused again", pass, now);
        }
        pass.waiting.add(p);
    }

    /**
     * Hands the node, in nonce order per sender, what waits for its nonce (a node queues a nonce above one it
     * lacks: sent the other way round, a forgotten pair would wait behind each other):
     * <ul>
     *   <li>a SIGNED grant's stored bytes, and a grant this pass re-opened, its stored bytes again;</li>
     *   <li>a payment the node's pool does not hold (its nonce at or above the node's pending nonce): the node
     *       forgot it (a rollback or reorg took its block, a restart emptied the pool, the pool dropped it), or
     *       keeps it queued behind one it forgot. Its stored bytes go again, the same nonce and hash, at once
     *       after a rollback (the chain's count of mined nonces fell, a grant was re-opened, or a grant's block
     *       is above the head), otherwise once it has waited {@link #HELD_CHECK_AFTER} since its last send.
     *       Likewise the stored bytes of grants recorded in blocks above the head (a rollback), with no ledger
     *       change: the chain regrowing past their block decides them as before;</li>
     *   <li>a payment the node holds but has not mined for {@code replaceAfter} is re-priced, unless the chain mined
     *       one of its sender's transactions within {@code replaceAfter} (then it waits its turn behind the sender's
     *       own, as after a gap or when the node mines fewer than the faucet sends: its fee is not what holds it); and
     *       so is one the node would not take back by then;</li>
     *   <li>the payment at the lowest nonce the node's pool does not count, found there by passes for
     *       {@code replaceAfter} in the same version, is re-priced instead of being sent again: the node says it
     *       has it ("already known") yet neither counts nor mines it. Anvil 1.7.1 does this to a transaction
     *       that arrives while the block with the nonce below is being mined: it queues it behind a nonce
     *       already mined, for good, and every later nonce waits behind it. A new transaction at the nonce is
     *       checked afresh and mined. Each re-send counts as a send, so the rule above alone never re-priced it.</li>
     * </ul>
     * The node's pool is asked ({@code eth_getTransactionCount(pending)}, once per sender) only when a payment
     * has waited {@link #HELD_CHECK_AFTER} or after a rollback: payments waiting for the next block cost no call.
     */
    private void sendWaiting(Pass pass, Map<Address, Long> mined, Instant now) {
        Duration checkAfter = replaceAfter.compareTo(HELD_CHECK_AFTER) < 0 ? replaceAfter : HELD_CHECK_AFTER;
        Map<Address, TreeMap<Long, List<Runnable>>> sends = new HashMap<>();
        Map<Address, Long> senders = new HashMap<>(mined);
        pass.aboveHead.forEach(g -> senders.computeIfAbsent(g.fromAddress().orElseThrow(), pass.chain::minedNonce));
        for (Map.Entry<Address, Long> e : senders.entrySet()) {
            Address from = e.getKey();
            long minedNonce = e.getValue();
            MinedSeen seen = minedSeen.get(from);
            Instant moved = seen == null ? null : minedNonce > seen.nonce() ? now : seen.rose();
            minedSeen.put(from, new MinedSeen(minedNonce, moved));
            // the chain took one of its transactions within the replacement time: a payment the node holds waits its
            // turn behind the sender's own (its nonces are mined in order), and a dearer fee would not bring it sooner
            boolean takingItsTurn = moved != null && moved.plus(replaceAfter).isAfter(now);
            List<Payment> waiting = pass.waiting.stream().filter(p -> p.from().equals(from)).toList();
            List<Grant> above = pass.aboveHead.stream().filter(g -> g.fromAddress().orElseThrow().equals(from)).toList();
            boolean rolledBack = (seen != null && minedNonce < seen.nonce()) || !above.isEmpty()
                    || waiting.stream().anyMatch(p -> pass.reopened.containsKey(p.id()));
            boolean check = rolledBack || waiting.stream().anyMatch(p -> p.status() == GrantStatus.SUBMITTED
                    && !p.lastSent().plus(checkAfter).isAfter(now));
            // the pool of the node the bytes go to: what it holds, a send would not change
            long held = check ? Math.max(node.pendingNonce(from), minedNonce) : Long.MAX_VALUE;
            GrantId wedged = check ? wedged(from, held, waiting, now) : null;
            TreeMap<Long, List<Runnable>> byNonce = sends.computeIfAbsent(from, a -> new TreeMap<>());
            List<GrantId> resent = new ArrayList<>();
            for (Payment p : waiting) {
                Grant reopened = pass.reopened.get(p.id());
                Runnable action;
                if (reopened != null) {
                    action = () -> send(reopened);
                } else if (p.status() == GrantStatus.SIGNED) {
                    // still SIGNED when its turn comes: its request's own send, answered since the pass read it, left it
                    // SUBMITTED, and the node has it (a node that forgot it is found by the pool check of a later pass)
                    action = () -> whole(p).filter(g -> g.status() == GrantStatus.SIGNED).ifPresent(this::send);
                } else if (p.id().equals(wedged)) {
                    action = () -> whole(p).ifPresent(g -> {
                        // said when it happens: a pass that lost the lease before this nonce's turn re-prices nothing
                        LOG.log(System.Logger.Level.WARNING, "grant {0}: the node has not counted its tx {1} at nonce"
                                + " {2} of {3} for {4} s however often it is sent, and every later nonce waits behind it:"
                                + " re-pricing it", p.id(), p.hashes().getLast(), Long.toString(p.nonce()), from,
                                replaceAfter.toSeconds());
                        replace(g, now);
                    });
                } else if (p.nonce() >= held && (rolledBack || !p.lastSent().plus(checkAfter).isAfter(now))) {
                    resent.add(p.id());
                    action = () -> whole(p).ifPresent(g -> {
                        if (!(send(g) instanceof Payer.Sent.Accepted) && p.lastSent().plus(replaceAfter).isBefore(now)) {
                            replace(g, now); // the node would not take the stored bytes back
                        }
                    });
                } else if (p.nonce() < held && p.lastSent().plus(replaceAfter).isBefore(now) && !takingItsTurn) {
                    action = () -> whole(p).ifPresent(g -> replace(g, now));
                } else {
                    continue;
                }
                byNonce.computeIfAbsent(p.nonce(), n -> new ArrayList<>()).add(action);
            }
            for (Grant g : above) {
                long nonce = g.nonce().orElseThrow();
                if (nonce >= held) {
                    resent.add(g.id());
                    byNonce.computeIfAbsent(nonce, n -> new ArrayList<>()).add(() -> resendAboveHead(g));
                }
            }
            if (!resent.isEmpty()) {
                telemetry.transactionsResent(resent.size());
                LOG.log(System.Logger.Level.WARNING, "the node does not hold transactions of {0} from nonce {1} on: sending"
                        + " the stored transactions of grants {2} again (same nonce, same hash)", from, Long.toString(held),
                        resent.stream().map(GrantId::value).toList());
            }
        }
        for (TreeMap<Long, List<Runnable>> byNonce : sends.values()) {
            for (List<Runnable> atNonce : byNonce.values()) {
                if (!election.isPayer()) {
                    return;
                }
                atNonce.forEach(Runnable::run);
            }
        }
    }

    /**
     * Notes which payment of {@code from} is at {@code held}, the nonce its node's pool counts up to, since when in its
     * current version; returns it once it has been there {@code replaceAfter}, else null.
     */
    private GrantId wedged(Address from, long held, List<Payment> waiting, Instant now) {
        Optional<Payment> at = waiting.stream().filter(p -> p.nonce() == held && p.status() == GrantStatus.SUBMITTED).findFirst();
        if (at.isEmpty()) {
            blockers.remove(from);
            return null;
        }
        Payment p = at.get();
        return Blocker.inTheWay(blockers, from, p.hashes().getLast(), now, replaceAfter) ? p.id() : null;
    }

    /** Hands a grant's stored bytes to the node. */
    private Payer.Sent send(Grant g) {
        return payer.send(g.id(), g.fromAddress().orElseThrow(), g.nonce().orElseThrow(), g.rawTransaction().orElseThrow(),
                g.txHashes().size() == 1);
    }

    /**
     * The stored bytes of a grant recorded in a block above the head, to the node again; the ledger is left as it
     * is (the grant keeps its block until the chain regrows past it, and the reorg watch decides it then).
     */
    private void resendAboveHead(Grant g) {
        if (!election.isPayer()) {
            return;
        }
        try {
            node.sendRawTransaction(g.rawTransaction().orElseThrow());
        } catch (NodeException e) {
            LOG.log(System.Logger.Level.DEBUG, "grant {0}: stored bytes not taken back ({1})", g.id(), e.failure());
        }
    }

    /** The grant whole, while it is still in flight (a request may have finished it since the pass read it). */
    private Optional<Grant> whole(Payment p) {
        return settlements.find(p.id()).filter(g -> g.status() == GrantStatus.SIGNED || g.status() == GrantStatus.SUBMITTED);
    }

    /**
     * The chain has used this nonce: one of our hashes was mined, or the transaction was dropped (said
     * only when two passes find it so). A grant already recorded in a block (which the reorg watch found
     * canonical in this pass) only waits for depth.
     */
    private void settle(Payment p, long head, Instant now, Pass news) {
        if (p.blockNumber().isPresent() && p.landedHash().isPresent()) {
            confirmIfDeep(p.id(), p.landedHash().get(), p.blockNumber().get(), head, news);
            return;
        }
        List<TxHash> newestFirst = new ArrayList<>(p.hashes());
        java.util.Collections.reverse(newestFirst);
        for (TxHash hash : newestFirst) {
            Optional<Receipt> receipt = news.receipt(hash);
            if (receipt.isPresent()) {
                seenDropped.remove(p.id());
                Receipt r = receipt.get();
                if (r.success()) {
                    news.included.add(new Settlements.Inclusion(p.id(), hash, r.blockNumber(), r.blockHash()));
                    confirmIfDeep(p.id(), hash, r.blockNumber(), head, news);
                } else {
                    settlements.markFailed(p.id(), "transaction reverted in block " + r.blockNumber(), now);
                    telemetry.grantOutcome("failed");
                }
                return;
            }
        }
        if (seenDropped.add(p.id())) {
            LOG.log(System.Logger.Level.INFO, "grant {0}: nonce {1} used, no receipt for its transactions; failed if the next"
                    + " pass finds the same", p.id(), p.nonce());
            return;
        }
        seenDropped.remove(p.id());
        settlements.markFailed(p.id(), "dropped: nonce " + p.nonce() + " was used by another transaction", now);
        telemetry.grantOutcome("failed");
    }

    private void confirmIfDeep(GrantId id, TxHash landed, long blockNumber, long head, Pass news) {
        if (finality.isDeep(head, blockNumber)) {
            news.deep.add(new Settlements.Confirmation(id, landed, blockNumber));
        }
    }

    /**
     * Compares the block hash stored with the grants in the watched blocks with the canonical chain,
     * newest block first. A block that is still canonical vouches for all its ancestors (each block
     * commits to its parent's hash), so the walk stops there: one block query per pass when nothing
     * happened. A block that is gone re-opens its grants and those of every watched block above it.
     * A block above the head of the node read says nothing by itself (the node may be behind, or a
     * shorter fork will grow past it): it goes with the block below it. Only the blocks are read each
     * pass (a few rows); the grants themselves only when a block is gone.
     *
     * @return the senders of the grants still watched (those in canonical blocks)
     */
    private Set<Address> watchReorgs(Pass pass, Instant now) {
        ChainReads chain = pass.chain;
        long head = pass.head;
        List<RecordedBlock> watched = settlements.blocksFrom(finality.watchedFrom(head));
        TreeMap<Long, List<RecordedBlock>> byBlock = new TreeMap<>();
        watched.forEach(b -> byBlock.computeIfAbsent(b.number(), n -> new ArrayList<>()).add(b));
        List<RecordedBlock> orphaned = new ArrayList<>();
        List<RecordedBlock> aboveHead = new ArrayList<>();
        for (Map.Entry<Long, List<RecordedBlock>> block : byBlock.descendingMap().entrySet()) {
            long number = block.getKey();
            if (number > head) {
                aboveHead.addAll(block.getValue());
                continue;
            }
            Optional<String> hash = chain.blockHash(number);
            if (hash.isEmpty()) {
                continue; // a pruning node may not answer for a height it has: no verdict
            }
            List<RecordedBlock> gone = block.getValue().stream().filter(b -> !hash.get().equalsIgnoreCase(b.hash())).toList();
            if (!gone.isEmpty() && orphaned.isEmpty()) {
                orphaned.addAll(aboveHead); // they were built on the block that is gone
            }
            orphaned.addAll(gone);
            if (gone.size() < block.getValue().size()) {
                break;
            }
        }
        if (!orphaned.isEmpty()) {
            long lowest = orphaned.getLast().number();
            Set<String> goneBlocks = new HashSet<>();
            orphaned.forEach(b -> goneBlocks.add(b.number() + ":" + b.hash()));
            List<Grant> grants = settlements.inBlocksFrom(lowest).stream()
                    .filter(g -> goneBlocks.contains(g.blockNumber().orElseThrow() + ":" + g.blockHash().orElseThrow()))
                    .sorted(Comparator.comparing(g -> g.nonce().orElseThrow()))
                    .toList();
            reopen(grants, "block " + lowest + " left the canonical chain", pass, now);
        }
        if (!aboveHead.isEmpty() && orphaned.isEmpty()) {
            // a rollback (or a node behind the one the grants were recorded from): the pass offers their bytes again
            Set<String> blocks = new HashSet<>();
            aboveHead.forEach(b -> blocks.add(b.number() + ":" + b.hash()));
            settlements.inBlocksFrom(head + 1).stream()
                    .filter(g -> blocks.contains(g.blockNumber().orElseThrow() + ":" + g.blockHash().orElseThrow()))
                    .forEach(pass.aboveHead::add);
        }
        Set<Address> senders = new HashSet<>();
        watched.stream().filter(b -> !orphaned.contains(b)).forEach(b -> senders.addAll(b.senders()));
        return senders;
    }

    /**
     * A reorg took these grants' payments away: each goes back to SUBMITTED, and the pass sends its stored
     * bytes again (same nonce, so at most one of its transactions can ever pay). If the new chain already
     * holds it, the next pass finds the receipt.
     */
    private void reopen(List<Grant> grants, String why, Pass pass, Instant now) {
        telemetry.reorg();
        LOG.log(System.Logger.Level.WARNING, "reorg: {0}; re-opened grants {1}", why,
                grants.stream().map(g -> g.id().value()).toList());
        for (Grant g : grants) {
            settlements.reopen(g.id(), now);
            pass.reopened.put(g.id(), g);
        }
    }

    /** Re-prices a transaction that has waited too long; with no room under the ceiling, sends the same bytes again. */
    private void replace(Grant g, Instant now) {
        Address from = g.fromAddress().orElseThrow();
        Optional<SigningKey> key = keys.byAddress(from);
        Optional<Fees> bumped = key.isPresent() ? feePolicy.bump(g.fees().orElseThrow(), node.fees()) : Optional.empty();
        if (bumped.isEmpty()) {
            payer.send(g.id(), from, g.nonce().orElseThrow(), g.rawTransaction().orElseThrow(), g.txHashes().size() == 1);
            return;
        }
        Optional<Lease> lease = election.held();
        if (lease.isEmpty()) {
            return;
        }
        SignedTransaction replacement = key.get().sign(new UnsignedTransaction(payer.chainId(), g.nonce().orElseThrow(),
                g.address(), g.amount(), UnsignedTransaction.TRANSFER_GAS, bumped.get()));
        try {
            settlements.recordReplacement(g.id(), replacement, now, lease.get());
        } catch (LeaseLostException e) {
            election.lost(lease.get());
            return;
        }
        telemetry.transactionReplaced();
        LOG.log(System.Logger.Level.INFO, "grant {0}: replaced unmined transaction, new hash {1}", g.id(), replacement.hash());
        if (payer.send(g.id(), from, replacement.nonce(), replacement.rawHex(), false) instanceof Payer.Sent.Held held) {
            // the grant's earlier transactions may still be mined: it keeps its nonce until the chain uses it
            LOG.log(System.Logger.Level.WARNING, "grant {0}: replacement tx {1} refused ({2}); the grant keeps nonce {3} and"
                    + " waits for the chain", g.id(), replacement.hash(), held.reason(), replacement.nonce());
        }
    }

    /**
     * A nonce between what the chain has mined and the highest one a stored transaction holds, that
     * nothing stored holds, stalls every later transaction, whatever made it: a grant row deleted or
     * failed by hand, a node that forgot a transaction whose grant went too. This pass's view finds
     * candidates; the allocator checks each against the ledger under the key's lock (so nothing this
     * instance is signing right now counts as a hole) and against the node's pool, and hands the real
     * holes to {@link #fillGaps}. Nothing is read unless this pass's view shows a candidate.
     */
    private void adoptHoles(ChainReads chain, Map<Address, Long> mined, List<Payment> inFlight, List<InternalTransfer> open) {
        for (Map.Entry<Address, Long> e : mined.entrySet()) {
            Address from = e.getKey();
            long minedNonce = e.getValue();
            Set<Long> held = new HashSet<>();
            inFlight.stream().filter(p -> p.from().equals(from)).forEach(p -> held.add(p.nonce()));
            Set<Long> ahead = nonces.ahead(from);
            open.stream().filter(t -> t.from().equals(from) && !ahead.contains(t.nonce())).forEach(t -> held.add(t.nonce()));
            long highest = held.stream().mapToLong(Long::longValue).max().orElse(-1);
            long heldAbove = held.stream().filter(n -> n >= minedNonce).count();
            if (highest < minedNonce || heldAbove == highest - minedNonce + 1 || !election.isPayer()) {
                continue;
            }
            Set<Long> holes = nonces.adoptHoles(from, minedNonce, chain);
            if (!holes.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "nonces {0} of {1}: no stored transaction holds them, yet later ones"
                        + " wait behind them; filling them", holes, from);
            }
        }
    }

    /**
     * A nonce given back and not reused for a while would stall every later transaction: fill it
     * with a zero-value transfer to ourselves, stored under the lease before it is sent. A given-back
     * nonce the chain has used meanwhile is no hole any more: it is dropped, so no grant is ever
     * signed with it.
     */
    private void fillGaps(Map<Address, Long> mined, List<Payment> inFlight, List<InternalTransfer> open, Instant now) {
        for (Map.Entry<Address, Long> e : mined.entrySet()) {
            Address from = e.getKey();
            long minedNonce = e.getValue();
            Optional<SigningKey> key = keys.byAddress(from);
            nonces.ensureSeeded(from);
            Set<Long> ahead = nonces.ahead(from);
            // only a hole under a transaction still waiting blocks anything (a transfer held ahead waits for no hole)
            long highestWaiting = Math.max(inFlight.stream().filter(p -> p.from().equals(from))
                    .mapToLong(Payment::nonce).max().orElse(-1),
                    open.stream().filter(t -> t.from().equals(from) && !ahead.contains(t.nonce()))
                            .mapToLong(InternalTransfer::nonce).max().orElse(-1));
            for (long gap : nonces.gaps(from)) {
                if (gap < minedNonce) {
                    nonces.claimGap(from, gap);
                    continue;
                }
                if (gap > highestWaiting || key.isEmpty() || !nonces.claimGap(from, gap)) {
                    continue;
                }
                if (!election.isPayer()) {
                    nonces.release(from, gap);
                    return;
                }
                SignedTransaction filler = key.get().sign(new UnsignedTransaction(payer.chainId(), gap, from, Wei.ZERO,
                        UnsignedTransaction.TRANSFER_GAS, feePolicy.initial(payer.feeSuggestion())));
                if (!store(InternalTransfer.Kind.GAP_FILLER, filler, now)) {
                    if (!election.isPayer()) {
                        nonces.release(from, gap);
                        return;
                    }
                    continue; // a transfer stored for this nonce already fills it
                }
                LOG.log(System.Logger.Level.WARNING, "filling nonce gap {0} of {1} with tx {2}", gap, from, filler.hash());
                sendTransfer(from, gap, filler.rawHex(), now);
            }
        }
    }

    /**
     * For the allocator ({@link NonceAllocator.StaleCanceller}), before {@code from}'s first nonce is handed out, the grants
     * the last adoption failed while they had a signed transaction: each may have been sent to a node of the new chain in
     * the moment before the relaunch was seen.
     * <ul>
     *   <li>At a nonce below {@code next}, the new chain's already: a chain relaunched young (the old chain's first nonces
     *       are the new chain's first) may have mined it, or pools it at a nonce it uses next. Each of its hashes is looked
     *       up on {@code view}: a receipt, or the nonce pooled (not mined yet) with no stored transfer nor live grant of
     *       ours at it, and the grant was paid on the new chain: it is carried over ({@link LedgerChain#carryOver}), and
     *       the tracker records its block, confirms it and watches it like any payment. Otherwise another transaction used the nonce
     *       (a stored transfer of ours: {@link #trackTransfers} looks again once the chain decides): it stays failed.</li>
     *   <li>At or above {@code next}: mined once the key's nonce got there, it would pay a grant recorded as failed (its
     *       quota given back), and refuse the grant given that nonce. So a zero-value transfer to ourselves is put at each
     *       such nonce, priced 12.5 % above the old transaction (and at least at what the node suggests now): stored under
     *       the lease as a gap filler, then sent, while the old transaction is still queued behind the nonces below it, so
     *       the pool takes ours in its place and the old one can never be mined. Where nothing waited, it costs one
     *       transfer's gas when the key's nonce gets there.</li>
     * </ul>
     * Only the payer carries over, stores and sends; the nonces are held all the same (a payer seeds again and cancels).
     *
     * @return the nonces at or above {@code next} so held, a transfer stored now or before
     */
    public Set<Long> cancelLeftInFlight(Address from, long next, ChainReads view) {
        List<Grant> stale = chainGuard.leftInFlight(from, 0);
        if (stale.isEmpty()) {
            return Set.of();
        }
        Map<Long, InternalTransfer> stored = new HashMap<>();
        transfers.unsettled().stream().filter(t -> t.from().equals(from)).forEach(t -> stored.put(t.nonce(), t));
        Optional<SigningKey> key = keys.byAddress(from);
        Set<Long> held = new TreeSet<>();
        List<Long> cancelled = new ArrayList<>();
        List<Long> carried = new ArrayList<>();
        Instant now = clock.instant();
        Long mined = null; // and pending, and our live grants' nonces: read once, only when a grant is below next
        long pending = 0;
        Set<Long> live = Set.of();
        for (Grant g : stale) {
            long nonce = g.nonce().orElseThrow();
            InternalTransfer before = stored.get(nonce);
            if (nonce < next) {
                if (before == null && election.isPayer()) {
                    if (mined == null) {
                        mined = view.minedNonce(from);
                        pending = node.pendingNonce(from);
                        live = liveNonces(from);
                    }
                    // pooled with no transfer of ours at it: the old transaction, unless a grant of ours holds the nonce now
                    if (carryOverIfPaid(g, view, nonce >= mined && nonce < pending && !live.contains(nonce))) {
                        carried.add(nonce);
                    }
                }
                continue;
            }
            held.add(nonce);
            if (before != null && before.lastSentAt().isEmpty()) {
                sendTransfer(from, nonce, before.rawTx(), now); // stored by a process that ended before sending it
            }
            if (key.isEmpty() || before != null || !election.isPayer()) {
                continue;
            }
            FeeSuggestion suggestion = payer.feeSuggestion();
            Fees fees = g.fees().flatMap(f -> feePolicy.bump(f, suggestion)).orElseGet(() -> feePolicy.initial(suggestion));
            SignedTransaction cancel = key.get().sign(new UnsignedTransaction(payer.chainId(), nonce, from, Wei.ZERO,
                    UnsignedTransaction.TRANSFER_GAS, fees));
            if (store(InternalTransfer.Kind.GAP_FILLER, cancel, now)) {
                cancelled.add(nonce);
                sendTransfer(from, nonce, cancel.rawHex(), now);
            }
        }
        if (!carried.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "after the chain''s adoption: grants it failed had transactions at nonces {0} of {1}"
                    + " that the new chain mined (or pools at its next nonces): sent to its node before the relaunch was seen,"
                    + " they were paid there after all, and are carried over as its payments", carried, from);
        }
        if (!cancelled.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "after the chain''s adoption: grants it failed had transactions at nonces {0}"
                    + " of {1}, which a node of the new chain may hold from before the relaunch was seen; a zero-value transfer"
                    + " to ourselves, priced to take their place in its pool, now holds each of these nonces", cancelled, from);
        }
        return held;
    }

    /** The nonces of {@code from} that its grants signed or sent (and not finished) hold. */
    private Set<Long> liveNonces(Address from) {
        Set<Long> live = new HashSet<>();
        settlements.inFlight().stream().filter(p -> p.from().equals(from)).forEach(p -> live.add(p.nonce()));
        return live;
    }

    /**
     * A grant the last adoption failed, at a nonce the new chain has used (or pools, when {@code pooled}): carried over
     * as a payment of the new chain if one of its transactions has a receipt on {@code view}, or if its nonce is pooled
     * (nothing of ours but its old transaction can be there: the tracker follows it, and fails it as dropped if another
     * transaction takes the nonce after all).
     *
     * @return whether it was carried over now
     */
    private boolean carryOverIfPaid(Grant g, ChainReads view, boolean pooled) {
        Optional<Receipt> receipt = Optional.empty();
        for (int i = g.txHashes().size() - 1; i >= 0 && receipt.isEmpty(); i--) {
            receipt = view.receipt(g.txHashes().get(i));
        }
        return (receipt.isPresent() || pooled) && chainGuard.carryOver(g.id());
    }

    /**
     * Stores a signed filler or drain under the lease, before anything is sent. False when this
     * instance is not the payer (any more): nothing was stored, and nothing may be sent.
     */
    private boolean store(InternalTransfer.Kind kind, SignedTransaction tx, Instant now) {
        Optional<Lease> lease = election.held();
        if (lease.isEmpty()) {
            return false;
        }
        try {
            if (!transfers.record(kind, tx, now, lease.get())) {
                // the nonce already has a stored transfer: only those bytes may ever be sent for it
                LOG.log(System.Logger.Level.WARNING, "nonce {0} of {1} already has a stored transfer; tx {2} not sent",
                        tx.nonce(), tx.from(), tx.hash());
                return false;
            }
            return true;
        } catch (LeaseLostException e) {
            election.lost(lease.get());
            return false;
        }
    }

    /**
     * Hands a stored filler's or drain's bytes to the node. A failure leaves them stored and unsent:
     * the next passes send them again (never other bytes for the nonce).
     */
    private void sendTransfer(Address from, long nonce, String rawHex, Instant now) {
        if (!election.isPayer()) {
            return;
        }
        try {
            node.sendRawTransaction(rawHex);
        } catch (NodeException e) {
            if (e.failure() != NodeFailure.ALREADY_KNOWN) {
                LOG.log(System.Logger.Level.INFO, "nonce {0} of {1}: send deferred ({2})", nonce, from, e.failure());
                return;
            }
        }
        transfers.markSent(from, nonce, now);
    }

    /**
     * Follows every stored filler and drain: sends the stored bytes while their nonce is unused (at
     * once when never sent, or when a reorg took the block that held them; otherwise again after
     * {@code replaceAfter}); re-prices the one at its sender's mined nonce once passes have found it
     * there, unmined, for {@code replaceAfter} (every later nonce waits behind it: its fee fell below
     * the chain's, or the node holds it without mining it); records the block that holds one of its
     * versions; settles it once that block is past the reorg watch, or once another transaction used
     * its nonce.
     *
     * @return the transfers still open after this pass
     */
    private List<InternalTransfer> trackTransfers(ChainReads chain, Map<Address, Long> mined, long head, Instant now) {
        List<InternalTransfer> open = new ArrayList<>();
        Set<Address> atFront = new HashSet<>();
        for (InternalTransfer t : transfers.unsettled()) {
            long minedNonce = mined.computeIfAbsent(t.from(), chain::minedNonce);
            if (t.nonce() >= minedNonce) {
                open.add(t);
                if (t.nonce() == minedNonce) {
                    atFront.add(t.from());
                }
                if (t.blockNumber().isPresent()) {
                    LOG.log(System.Logger.Level.WARNING, "reorg: block {0} left the canonical chain with {1} tx {2}; sending it again",
                            t.blockNumber().get(), t.kind(), t.hash());
                    transfers.markIncluded(t.from(), t.nonce(), Optional.empty(), now);
                    sendTransfer(t.from(), t.nonce(), t.rawTx(), now);
                } else {
                    boolean repriced = t.nonce() == minedNonce
                            && Blocker.inTheWay(frontTransfers, t.from(), t.hash(), now, replaceAfter) && reprice(t, now);
                    if (!repriced && (t.lastSentAt().isEmpty() || t.lastSentAt().get().plus(replaceAfter).isBefore(now))) {
                        sendTransfer(t.from(), t.nonce(), t.rawTx(), now);
                    }
                }
                continue;
            }
            // the chain mined one of its versions: the newest is the likeliest
            Optional<Receipt> receipt = t.hashesNewestFirst().stream().map(chain::receipt).flatMap(Optional::stream).findFirst();
            if (receipt.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "{0} tx {1}: its nonce {2} was used by another transaction", t.kind(), t.hash(),
                        t.nonce());
                transfers.markSettled(t.from(), t.nonce(), now);
                // a transfer in place of an old chain's transaction: that transaction may be what was mined
                chainGuard.leftInFlight(t.from(), t.nonce()).stream().findFirst().filter(g -> g.nonce().orElseThrow() == t.nonce())
                        .filter(g -> carryOverIfPaid(g, chain, false))
                        .ifPresent(g -> LOG.log(System.Logger.Level.WARNING, "grant {0}: failed by the chain''s adoption, yet its"
                                + " transaction was mined at nonce {1} of {2} on the new chain: carried over as its payment",
                                g.id(), t.nonce(), t.from()));
                continue;
            }
            long block = receipt.get().blockNumber();
            if (block < finality.watchedFrom(head)) {
                transfers.markSettled(t.from(), t.nonce(), now);
                continue;
            }
            if (!t.blockNumber().equals(Optional.of(block))) {
                transfers.markIncluded(t.from(), t.nonce(), Optional.of(block), now);
            }
            open.add(t);
        }
        frontTransfers.keySet().retainAll(atFront);
        return open;
    }

    /**
     * A filler or drain its sender's later nonces have waited behind for {@code replaceAfter}: signed
     * again at its nonce with fees raised as a grant's are (a drain moves less, what the key holds less
     * the dearer fee), stored in its place under the lease, then sent. Where the fee ceiling or the
     * key's balance leaves no room, nothing is signed.
     *
     * @return false when nothing was signed: the stored bytes stay, and are sent again as usual
     */
    private boolean reprice(InternalTransfer t, Instant now) {
        Optional<SigningKey> key = keys.byAddress(t.from());
        FeeSuggestion suggestion = node.fees();
        // a transfer stored before fees were recorded is priced from the node's suggestion, raised as for a replacement
        Optional<Fees> bumped = key.isEmpty() ? Optional.empty()
                : feePolicy.bump(t.fees().orElseGet(() -> feePolicy.initial(suggestion)), suggestion);
        Optional<Wei> value = bumped.flatMap(fees -> switch (t.kind()) {
            case GAP_FILLER -> Optional.of(t.value());
            case DRAIN -> drainable(t.from(), fees);
        });
        if (value.isEmpty()) {
            return false;
        }
        Optional<Lease> lease = election.held();
        if (lease.isEmpty()) {
            return true; // not the payer: nothing is signed or sent
        }
        SignedTransaction replacement = key.orElseThrow().sign(new UnsignedTransaction(payer.chainId(), t.nonce(), t.to(),
                value.get(), UnsignedTransaction.TRANSFER_GAS, bumped.orElseThrow()));
        try {
            if (!transfers.replace(t.hash(), replacement, now, lease.get())) {
                return true; // settled or replaced since this pass read it: the next pass looks again
            }
        } catch (LeaseLostException e) {
            election.lost(lease.get());
            return true;
        }
        telemetry.transactionReplaced();
        LOG.log(System.Logger.Level.WARNING, "{0} tx {1} at nonce {2} of {3} has not been mined for {4} s, and every later nonce"
                + " waits behind it: re-priced as tx {5}", t.kind(), t.hash(), Long.toString(t.nonce()), t.from(),
                replaceAfter.toSeconds(), replacement.hash());
        sendTransfer(t.from(), t.nonce(), replacement.rawHex(), now);
        return true;
    }

    /**
     * Rotated-away keys: once a key has nothing in flight (no unfinished grant, no stored filler or
     * drain still to be mined, no transaction in the node's pool) its drain runs, if one was asked
     * for; once, besides, none of its payments, fillers or drains is still watched for a reorg, the
     * key is forgotten. A drain is done when what is left does not cover the fee.
     */
    private void finishRetiringKeys(List<Payment> inFlight, Set<Address> watchedSenders, List<InternalTransfer> open,
                                    Instant now) {
        for (RetiringKey retiring : keys.retiring()) {
            Address from = retiring.address();
            if (inFlight.stream().anyMatch(p -> p.from().equals(from))) {
                continue;
            }
            long minedNonce = node.minedNonce(from);
            if (open.stream().anyMatch(t -> t.from().equals(from) && t.nonce() >= minedNonce)
                    || node.pendingNonce(from) != minedNonce) {
                continue;
            }
            Optional<SigningKey> key = keys.byAddress(from);
            if (retiring.drainTo().isPresent() && key.isPresent()) {
                drain(key.get(), retiring.drainTo().get(), minedNonce, now);
            } else if (!watchedSenders.contains(from) && open.stream().noneMatch(t -> t.from().equals(from))) {
                keys.retire(from);
                LOG.log(System.Logger.Level.INFO, "retired key {0}: its last transaction is final", from);
            }
        }
    }

    private void drain(SigningKey key, Address to, long nonce, Instant now) {
        if (!election.isPayer()) {
            return; // the lease ran out during this pass: the new payer drains
        }
        Address from = key.address();
        Fees fees = feePolicy.initial(payer.feeSuggestion());
        Optional<Wei> value = drainable(from, fees);
        if (value.isEmpty()) {
            keys.drained(from);
            LOG.log(System.Logger.Level.INFO, "drain of {0} to {1} complete: what is left is less than a transfer''s fee",
                    from, to);
            return;
        }
        SignedTransaction tx = key.sign(new UnsignedTransaction(payer.chainId(), nonce, to,
                value.get(), UnsignedTransaction.TRANSFER_GAS, fees));
        if (!store(InternalTransfer.Kind.DRAIN, tx, now)) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "draining {0} wei from {1} to {2} in tx {3}", value.get(), from, to, tx.hash());
        sendTransfer(from, nonce, tx.rawHex(), now);
    }

    /** What a drain at these fees moves: all the key holds less the most the transfer can cost; empty when that is nothing. */
    private Optional<Wei> drainable(Address from, Fees fees) {
        Wei balance = node.balance(from);
        Wei cost = FeePolicy.maxGasCost(fees, UnsignedTransaction.TRANSFER_GAS);
        return cost.isLessThan(balance) ? Optional.of(balance.minus(cost)) : Optional.empty();
    }
}
