package com.dytallix.domain.payer;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.key.SignedTransaction;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;

/** {@link InternalTransfers} in memory for tests, fenced by the in-memory payer lease of the same store. */
public final class InMemoryInternalTransfers implements InternalTransfers {
    private final InMemoryPayerLeases leases;
    private final Map<String, InternalTransfer> transfers = new LinkedHashMap<>();
    private final Map<String, Boolean> settled = new LinkedHashMap<>();
    private final Map<String, Instant> settledAt = new LinkedHashMap<>();

    public InMemoryInternalTransfers(InMemoryPayerLeases leases) {
        this.leases = leases;
        // the fillers and drains of a chain given up are gone with it (the SQL ledger deletes them on adoption)
        leases.onChainAdopted(this::forgetAll);
    }

    private synchronized void forgetAll() {
        transfers.clear();
        settled.clear();
        settledAt.clear();
    }

    @Override
    public synchronized boolean record(InternalTransfer.Kind kind, SignedTransaction tx, Instant at, Lease lease) {
        if (!leases.inForce(lease)) {
            throw new LeaseLostException(lease);
        }
        String key = key(tx.from(), tx.nonce());
        if (transfers.containsKey(key)) {
            return false;
        }
        transfers.put(key, new InternalTransfer(kind, tx.from(), tx.nonce(), tx.transaction().to(), tx.transaction().value(),
                Optional.of(tx.fees()), tx.hash(), List.of(), tx.rawHex(), millis(at), Optional.empty(), Optional.empty()));
        settled.put(key, false);
        return true;
    }

    @Override
    public synchronized boolean replace(TxHash replacing, SignedTransaction replacement, Instant at, Lease lease) {
        if (!leases.inForce(lease)) {
            throw new LeaseLostException(lease);
        }
        String key = key(replacement.from(), replacement.nonce());
        InternalTransfer t = transfers.get(key);
        if (t == null || settled.get(key) || !t.hash().equals(replacing)) {
            return false;
        }
        List<TxHash> replaced = new ArrayList<>(t.replaced());
        replaced.add(t.hash());
        transfers.put(key, new InternalTransfer(t.kind(), t.from(), t.nonce(), t.to(), replacement.transaction().value(),
                Optional.of(replacement.fees()), replacement.hash(), replaced, replacement.rawHex(), t.createdAt(),
                Optional.empty(), t.blockNumber()));
        return true;
    }

    @Override
    public synchronized void markSent(Address from, long nonce, Instant at) {
        change(from, nonce, t -> new InternalTransfer(t.kind(), t.from(), t.nonce(), t.to(), t.value(), t.fees(), t.hash(),
                t.replaced(), t.rawTx(), t.createdAt(), Optional.of(millis(at)), t.blockNumber()));
    }

    @Override
    public synchronized void markIncluded(Address from, long nonce, Optional<Long> blockNumber, Instant at) {
        change(from, nonce, t -> new InternalTransfer(t.kind(), t.from(), t.nonce(), t.to(), t.value(), t.fees(), t.hash(),
                t.replaced(), t.rawTx(), t.createdAt(), t.lastSentAt(), blockNumber));
    }

    @Override
    public synchronized void markSettled(Address from, long nonce, Instant at) {
        change(from, nonce, UnaryOperator.identity());
        settled.put(key(from, nonce), true);
        settledAt.put(key(from, nonce), millis(at));
    }

    @Override
    public synchronized int prune(Instant settledBefore) {
        List<String> old = settledAt.entrySet().stream().filter(e -> e.getValue().isBefore(settledBefore))
                .map(Map.Entry::getKey).toList();
        old.forEach(key -> {
            transfers.remove(key);
            settled.remove(key);
            settledAt.remove(key);
        });
        return old.size();
    }

    @Override
    public synchronized List<InternalTransfer> unsettled() {
        List<InternalTransfer> open = new ArrayList<>();
        transfers.forEach((key, t) -> {
            if (!settled.get(key)) {
                open.add(t);
            }
        });
        return open;
    }

    @Override
    public synchronized OptionalLong highestNonce(Address from) {
        return transfers.values().stream().filter(t -> t.from().equals(from)).mapToLong(InternalTransfer::nonce).max();
    }

    private void change(Address from, long nonce, UnaryOperator<InternalTransfer> change) {
        String key = key(from, nonce);
        InternalTransfer t = transfers.get(key);
        if (t == null) {
            throw new NoSuchElementException("no transfer from " + from + " with nonce " + nonce);
        }
        transfers.put(key, change.apply(t));
    }

    private static String key(Address from, long nonce) {
        return from.lower() + "/" + nonce;
    }

    private static Instant millis(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }
}
