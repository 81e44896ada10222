package com.dytallix.application.faucet;

import com.dytallix.domain.Address;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.PaymentRecords;
import com.dytallix.domain.payer.InternalTransfer;
import com.dytallix.domain.payer.InternalTransfers;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.ChainReads;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Hands out nonces per sending key so that concurrent grants never share or skip one. A nonce is
 * taken and the signed transaction stored under one lock, so a nonce is only ever "used" once it
 * is in the ledger. Seeded from the node's pending count, the ledger and the stored gap fillers and
 * drains; nonces given back (a transaction that can never be mined) are handed out again first,
 * which fills the gap.
 *
 * <p>A nonce the chain does not show used is still held by a grant recorded in a block the reorg
 * watch still looks at ({@link Finality#watchedFrom}): after a rollback (or a reorg on a node that
 * forgets the orphaned transactions) such a grant is re-opened once the chain grows past its block
 * and its stored bytes are sent again with that nonce; a new transaction given it would make them
 * "nonce too low" and the grant would fail unpaid. The hold ends when the watch decides (the block is
 * canonical and the nonce used, or the grant is re-opened and held as unfinished) or when the block
 * falls out of the watch (head at or past block + reorgWatchBlocks): the watch never re-opens a grant
 * that deep, so its nonce, if the chain still shows it unused, is a gap to fill like any other, and
 * no nonce is held forever.
 *
 * <p>The head and the mined nonce one decision rests on are read from one node ({@link ChainNode#consistent()},
 * the node the tracker's pass reads too): with several nodes, a head read from a node ahead and a mined nonce from
 * one behind (or rolled back) would make a nonce used in a block below the watch look free, and a new transaction
 * signed with it could never be mined. The pending nonce is the pool's the transactions go to
 * ({@link ChainNode#pendingNonce}): it only keeps nonces that pool holds from being handed out or filled.
 *
 * <p>After a chain relaunch ({@link ChainGuard}) a node of the new chain may hold transactions of the old one in its
 * pool, queued at the old chain's nonces, far above the key's nonce on the new chain: mined once the key gets there,
 * they would pay grants the adoption failed (their quota given back), and refuse the grants given those nonces. Before
 * a key's first nonce is handed out, {@link #cancelStaleWith its canceller} puts a transfer of ours at each such nonce
 * (with fees a pool takes in place of the old transaction); a stored transfer above every nonce in use is held
 * <em>ahead</em>: no grant is given its nonce, and the nonces below it are handed out as usual, not taken for gaps.
 * Those the new chain already used (a chain relaunched young: the old chain's first nonces are the new chain's first)
 * the canceller looks up on it first, and carries over the grants it finds paid there.
 */
public final class NonceAllocator {
    private final ChainNode node;
    private final PaymentRecords payments;
    private final InternalTransfers transfers;
    private final Finality finality;
    private final Map<Address, KeyNonces> byKey = new ConcurrentHashMap<>();
    private volatile StaleCanceller canceller = (from, next, view) -> Set.of();

    /**
     * Settles the old chain's transactions a new chain's node may have taken: those it mined (or pools at a nonce it
     * uses next) are carried over as its payments; a transfer of ours is put at the nonces where one may wait.
     */
    @FunctionalInterface
    public interface StaleCanceller {
        /**
         * Called under {@code from}'s lock before any of its nonces is handed out.
         *
         * @param next the first nonce the allocator would hand out: nonces below it are the new chain's already
         * @param view the node whose head and mined nonce the seeding read
         * @return the nonces at or above {@code next} that a stored transfer now holds (stored now or before)
         */
        Set<Long> cancel(Address from, long next, ChainReads view);
    }

    public NonceAllocator(ChainNode node, PaymentRecords payments, InternalTransfers transfers, Finality finality) {
        this.node = node;
        this.payments = payments;
        this.transfers = transfers;
        this.finality = finality;
    }

    private static final class KeyNonces {
        final ReentrantLock lock = new ReentrantLock();
        boolean seeded;
        long next;
        final NavigableSet<Long> free = new TreeSet<>();
        /** Nonces at or above {@link #next} a stored transfer holds: never handed out. */
        final NavigableSet<Long> ahead = new TreeSet<>();
    }

    /** Sets what runs before a key's first nonce is handed out (at each seeding); nothing by default. */
    public void cancelStaleWith(StaleCanceller canceller) {
        this.canceller = canceller;
    }

    /**
     * Runs {@code work} holding {@code from}'s lock, with the key's nonces to take from. A nonce
     * counts as used only once {@link Taking#settle} says it was stored; every other nonce taken is
     * handed out again (first), so a nonce is only ever "used" once it is in the ledger.
     */
    public <T> T withNonces(Address from, Function<Taking, T> work) {
        return seeded(from, k -> work.apply(new Taking(k)));
    }

    /** The nonces of one key while its lock is held. */
    public static final class Taking {
        private final KeyNonces k;

        private Taking(KeyNonces k) {
            this.k = k;
        }

        /** The {@code count} lowest nonces not used yet: given-back ones first, then new ones. Nothing is used yet. */
        public List<Long> take(int count) {
            List<Long> nonces = new ArrayList<>(count);
            for (long n : k.free) {
                if (nonces.size() == count) {
                    return nonces;
                }
                nonces.add(n);
            }
            for (long n = k.next; nonces.size() < count; n++) {
                if (k.ahead.isEmpty() || !k.ahead.contains(n)) {
                    nonces.add(n);
                }
            }
            return nonces;
        }

        /** Of the nonces {@code taken}, those {@code stored} are used; the others are handed out again. */
        public void settle(List<Long> taken, Set<Long> stored) {
            for (long n : stored) {
                k.free.remove(n);
                k.next = Math.max(k.next, n + 1);
            }
            for (long n : taken) {
                if (!stored.contains(n) && n < k.next) {
                    k.free.add(n);
                }
            }
            if (!k.ahead.isEmpty()) {
                k.ahead.headSet(k.next).clear(); // passed: a stored transfer holds them, as any nonce below next
            }
        }
    }

    /**
     * Forgets everything learned: the next nonce of every key is learned again from the node and the
     * ledger (another payer may have used nonces meanwhile).
     */
    public void forget() {
        byKey.clear();
    }

    /** Seeds {@code from} from the node and the ledger if that has not happened yet, so its gaps are known. */
    public void ensureSeeded(Address from) {
        seeded(from, k -> null);
    }

    /** The nonces of {@code from} held ahead by a stored transfer (none when the key was not seeded yet). */
    public Set<Long> ahead(Address from) {
        return locked(from, k -> Set.copyOf(k.ahead));
    }

    /** A stored transaction with this nonce will never be mined: hand the nonce out again. */
    public void release(Address from, long nonce) {
        locked(from, k -> k.seeded && nonce < k.next && k.free.add(nonce));
    }

    /**
     * Nonces below the next one that no unfinished grant holds and the chain has not used yet: a
     * gap that would stall every later transaction.
     */
    public Set<Long> gaps(Address from) {
        return locked(from, k -> Set.copyOf(k.free));
    }

    /**
     * Nonces of {@code from} at or above {@code minedNonce} and below the next one to hand out that no
     * stored transaction holds (no unfinished grant, no unsettled filler or drain, no grant in a block
     * the reorg watch still looks at), that the allocator
     * did not know were free, and that the node's pool does not hold either (below
     * {@code pendingNonce}, the pool holds every nonce): a hole made behind the
     * allocator's back, say a grant row deleted or failed by hand, or a transaction the node forgot
     * together with its grant. They become gaps, filled as given-back nonces are. The ledger is read
     * under the key's lock, so no batch of this instance is between taking nonces and storing them;
     * another instance stores nothing without the lease this one holds. The head that bounds the reorg watch is
     * read from {@code view}, the node {@code minedNonce} was read from; the pending nonce from the node the
     * transactions go to.
     *
     * @return the holes found (now gaps)
     */
    public Set<Long> adoptHoles(Address from, long minedNonce, ChainReads view) {
        return seeded(from, k -> {
            long pendingNonce = node.pendingNonce(from);
            Set<Long> held = held(from, view.head().number());
            Set<Long> holes = new TreeSet<>();
            for (long n = Math.max(minedNonce, pendingNonce); n < k.next; n++) {
                if (!held.contains(n) && !k.free.contains(n)) {
                    holes.add(n);
                }
            }
            k.free.addAll(holes);
            return holes;
        });
    }

    /** Takes a nonce out of the free set because something else (a gap filler) now holds it. */
    public boolean claimGap(Address from, long nonce) {
        return locked(from, k -> k.free.remove(nonce));
    }

    private <T> T seeded(Address from, Function<KeyNonces, T> work) {
        return locked(from, k -> {
            if (!k.seeded) {
                seed(from, k);
            }
            return work.apply(k);
        });
    }

    private <T> T locked(Address from, Function<KeyNonces, T> work) {
        KeyNonces k = byKey.computeIfAbsent(from, a -> new KeyNonces());
        k.lock.lock();
        try {
            return work.apply(k);
        } finally {
            k.lock.unlock();
        }
    }

    private void seed(Address from, KeyNonces k) {
        // one node's head and mined nonce: read from nodes apart, they need not describe one chain
        ChainReads view = node.consistent();
        long head = view.head().number();
        long mined = view.minedNonce(from);
        long pending = node.pendingNonce(from);
        long paymentsNext = payments.highestNonce(from).orElse(-1) + 1;
        // a stored transfer above a nonce nothing holds is ahead (a cancel of an old chain's transaction): the nonces
        // below it are the new chain's to hand out, not gaps
        NavigableSet<Long> stored = transfers.unsettled().stream().filter(t -> t.from().equals(from))
                .map(InternalTransfer::nonce).collect(Collectors.toCollection(TreeSet::new));
        long next = Math.max(pending, Math.max(mined, paymentsNext));
        while (stored.contains(next)) {
            next++;
        }
        k.ahead.clear();
        k.ahead.addAll(stored.tailSet(next, false));
        Long storedBelow = stored.lower(next);
        long ledgerNext = k.ahead.isEmpty() ? Math.max(paymentsNext, transfers.highestNonce(from).orElse(-1) + 1)
                : Math.max(paymentsNext, storedBelow == null ? 0 : storedBelow + 1);
        k.next = Math.max(next, ledgerNext);
        canceller.cancel(from, k.next, view).stream().filter(n -> n >= k.next).forEach(k.ahead::add);
        Set<Long> held = held(from, head); // after the canceller: a grant it carried over holds its nonce
        k.free.clear();
        // Between what the chain has mined and what the ledger last used, any nonce no live grant
        // holds (nor one in a block the reorg watch may still find gone) must be used again, or
        // everything after it stays stuck.
        for (long n = mined; n < ledgerNext; n++) {
            if (!held.contains(n) && n >= pending) {
                k.free.add(n);
            }
        }
        k.seeded = true;
    }

    /**
     * The nonces of {@code from} a stored transaction holds: unfinished grants', unsettled fillers' and
     * drains', and those of grants recorded in a block the reorg watch still looks at (a rollback may
     * have taken that block, and the watch sends the grant's bytes again once the chain grows past it), {@code head}
     * being the head of the node whose mined nonce the caller compares with.
     */
    private Set<Long> held(Address from, long head) {
        Set<Long> held = payments.unfinished().stream()
                .filter(g -> g.fromAddress().filter(from::equals).isPresent())
                .map(Grant::nonce).flatMap(java.util.Optional::stream)
                .collect(Collectors.toCollection(java.util.HashSet::new));
        held.addAll(payments.noncesInBlocksFrom(from, finality.watchedFrom(node.head().number())));
        // a stored filler or drain holds its nonce until settled: its bytes are the only transaction for it
        transfers.unsettled().stream().filter(t -> t.from().equals(from)).forEach(t -> held.add(t.nonce()));
        return held;
    }
}
