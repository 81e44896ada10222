package com.dytallix.application.faucet;

import com.dytallix.domain.Address;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.PaymentRecords;
import com.dytallix.domain.sync.ChainNode;
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
 * is in the ledger. Seeded from the node's pending count and the ledger; nonces given back (a
 * transaction that can never be mined) are handed out again first, which fills the gap.
 */
public final class NonceAllocator {
    private final ChainNode node;
    private final PaymentRecords payments;
    private final Map<Address, KeyNonces> byKey = new ConcurrentHashMap<>();

    public NonceAllocator(ChainNode node, PaymentRecords payments) {
        this.node = node;
        this.payments = payments;
    }

    private static final class KeyNonces {
        final ReentrantLock lock = new ReentrantLock();
        boolean seeded;
        long next;
        final NavigableSet<Long> free = new TreeSet<>();
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
                nonces.add(n);
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
        long mined = node.minedNonce(from);
        long pending = node.pendingNonce(from);
        long ledgerNext = payments.highestNonce(from).orElse(-1) + 1;
        k.next = Math.max(pending, Math.max(mined, ledgerNext));
        Set<Long> held = payments.unfinished().stream()
                .filter(g -> g.fromAddress().filter(from::equals).isPresent())
                .map(Grant::nonce).flatMap(java.util.Optional::stream)
                .collect(Collectors.toSet());
        k.free.clear();
        // Between what the chain has mined and what the ledger last used, any nonce no live grant
        // holds must be used again, or everything after it stays stuck.
        for (long n = mined; n < ledgerNext; n++) {
            if (!held.contains(n) && n >= pending) {
                k.free.add(n);
            }
        }
        k.seeded = true;
    }
}
