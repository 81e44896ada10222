package com.dytallix.application.faucet;

import com.dytallix.application.payer.PayerElection;
import com.dytallix.application.Telemetry;
import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantLedger;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.key.FeePolicy;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.KeyRing;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.SigningKey;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.LeaseLostException;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.Receipt;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Follows every unfinished grant to its end: pays grants admitted but not yet signed (by another
 * instance, or by a request that ended first), sends what is stored but not yet accepted, confirms
 * or fails by receipt, re-prices transactions that sit unmined, fills nonce gaps, and drains a
 * rotated-away key on request. {@link #reconcile()} at start-up also settles grants a crash left
 * behind. Only the payer (the instance holding the payer lease) does any of it; each pass is safe
 * to repeat.
 */
public final class GrantTracker {
    private static final System.Logger LOG = System.getLogger(GrantTracker.class.getName());
    /**
     * A PENDING grant younger than this is left to the request that reserved it (it may still be
     * cancelled by the balance check, or be paid by that request on the payer).
     */
    private static final Duration OWED_AFTER = Duration.ofMillis(500);

    private final ChainNode node;
    private final KeyRing keys;
    private final GrantLedger ledger;
    private final NonceAllocator nonces;
    private final Payer payer;
    private final FeePolicy feePolicy;
    private final Duration replaceAfter;
    private final Clock clock;
    private final Telemetry telemetry;
    private final PayerElection election;
    private final Map<Address, Address> drains = new ConcurrentHashMap<>();

    public GrantTracker(ChainNode node, KeyRing keys, GrantLedger ledger, NonceAllocator nonces, Payer payer,
                        FeePolicy feePolicy, Duration replaceAfter, PayerElection election, Clock clock, Telemetry telemetry) {
        this.node = node;
        this.keys = keys;
        this.ledger = ledger;
        this.nonces = nonces;
        this.payer = payer;
        this.feePolicy = feePolicy;
        this.replaceAfter = replaceAfter;
        this.clock = clock;
        this.telemetry = telemetry;
        this.election = election;
    }

    /**
     * Start-up: settles everything a crash or an earlier payer left behind with a normal pass. A
     * PENDING grant was admitted and may have been acknowledged (202): it is paid, not dropped.
     */
    public void reconcile() {
        tick();
    }

    /** Pays, oldest first, every admitted grant that no request is paying. Only on the payer. */
    public void payOwed() {
        if (!election.isPayer()) {
            return;
        }
        Instant before = clock.instant().minus(OWED_AFTER);
        try {
            for (Grant g : ledger.unfinished()) {
                if (g.status() == GrantStatus.PENDING && g.createdAt().isBefore(before)) {
                    payer.payOwed(g);
                }
            }
        } catch (NodeException e) {
            LOG.log(System.Logger.Level.DEBUG, "paying admitted grants stopped: node {0}", e.failure());
        }
    }

    /** One pass over the unfinished grants. Node failures end the pass; the next one tries again. Only on the payer. */
    public void tick() {
        if (!election.isPayer()) {
            return;
        }
        payOwed();
        Instant now = clock.instant();
        Map<Address, Long> mined = new HashMap<>();
        List<Grant> unfinished = ledger.unfinished();
        try {
            for (Grant g : unfinished) {
                if (g.status() == GrantStatus.PENDING) {
                    continue;
                }
                Address from = g.fromAddress().orElseThrow();
                long minedNonce = mined.computeIfAbsent(from, node::minedNonce);
                track(g, minedNonce, now);
            }
            fillGaps(mined, unfinished);
            drain();
        } catch (NodeException e) {
            LOG.log(System.Logger.Level.DEBUG, "tracker pass stopped: node {0}", e.failure());
        }
    }

    private void track(Grant g, long minedNonce, Instant now) {
        long nonce = g.nonce().orElseThrow();
        if (nonce < minedNonce) {
            settle(g, now);
            return;
        }
        if (g.status() == GrantStatus.SIGNED) {
            payer.send(g.id(), g.fromAddress().orElseThrow(), nonce, g.rawTransaction().orElseThrow());
            return;
        }
        Instant lastSent = g.lastSentAt().orElse(g.updatedAt());
        if (lastSent.plus(replaceAfter).isBefore(now)) {
            replace(g, now);
        }
    }

    /** The chain has used this nonce: one of our hashes was mined, or the transaction was dropped. */
    private void settle(Grant g, Instant now) {
        List<TxHash> newestFirst = new ArrayList<>(g.txHashes());
        java.util.Collections.reverse(newestFirst);
        for (TxHash hash : newestFirst) {
            Optional<Receipt> receipt = node.receipt(hash);
            if (receipt.isPresent()) {
                Receipt r = receipt.get();
                if (r.success()) {
                    ledger.markConfirmed(g.id(), hash, r.blockNumber(), now);
                    telemetry.grantOutcome("confirmed");
                } else {
                    ledger.markFailed(g.id(), "transaction reverted in block " + r.blockNumber(), now);
                    telemetry.grantOutcome("failed");
                }
                return;
            }
        }
        ledger.markFailed(g.id(), "dropped: nonce " + g.nonce().orElseThrow() + " was used by another transaction", now);
        telemetry.grantOutcome("failed");
    }

    /** Re-prices a transaction that has waited too long; with no room under the ceiling, sends the same bytes again. */
    private void replace(Grant g, Instant now) {
        Address from = g.fromAddress().orElseThrow();
        Optional<SigningKey> key = keys.byAddress(from);
        Optional<Fees> bumped = key.isPresent() ? feePolicy.bump(g.fees().orElseThrow(), node.fees()) : Optional.empty();
        if (bumped.isEmpty()) {
            payer.send(g.id(), from, g.nonce().orElseThrow(), g.rawTransaction().orElseThrow());
            return;
        }
        Optional<Lease> lease = election.held();
        if (lease.isEmpty()) {
            return;
        }
        SignedTransaction replacement = key.get().sign(new UnsignedTransaction(payer.chainId(), g.nonce().orElseThrow(),
                g.address(), g.amount(), UnsignedTransaction.TRANSFER_GAS, bumped.get()));
        try {
            ledger.recordReplacement(g.id(), replacement, clock.instant(), lease.get());
        } catch (LeaseLostException e) {
            election.lost(lease.get());
            return;
        }
        telemetry.transactionReplaced();
        LOG.log(System.Logger.Level.INFO, "grant {0}: replaced unmined transaction, new hash {1}", g.id(), replacement.hash());
        payer.send(g.id(), from, replacement.nonce(), replacement.rawHex());
    }

    /**
     * A nonce given back and not reused for a while would stall every later transaction: fill it
     * with a zero-value transfer to ourselves. A given-back nonce the chain has used meanwhile is no
     * hole any more: it is dropped, so no grant is ever signed with it.
     */
    private void fillGaps(Map<Address, Long> mined, List<Grant> unfinished) {
        for (Map.Entry<Address, Long> e : mined.entrySet()) {
            Address from = e.getKey();
            long minedNonce = e.getValue();
            Optional<SigningKey> key = keys.byAddress(from);
            nonces.ensureSeeded(from);
            // only a hole under a transaction still waiting blocks anything
            long highestWaiting = unfinished.stream()
                    .filter(g -> g.fromAddress().filter(from::equals).isPresent() && g.nonce().isPresent())
                    .mapToLong(g -> g.nonce().get()).max().orElse(-1);
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
                try {
                    node.sendRawTransaction(filler.rawHex());
                    LOG.log(System.Logger.Level.WARNING, "filled nonce gap {0} of {1} with {2}", gap, from, filler.hash());
                } catch (NodeException ex) {
                    nonces.release(from, gap);
                    throw ex;
                }
            }
        }
    }

    /** After a rotation with drain: once the old key has nothing in flight, send its balance to the new key. */
    public void requestDrain(Address from, Address to) {
        drains.put(from, to);
    }

    private void drain() {
        for (Map.Entry<Address, Address> d : drains.entrySet()) {
            Address from = d.getKey();
            boolean busy = ledger.unfinished().stream().anyMatch(g -> g.fromAddress().filter(from::equals).isPresent());
            long minedNonce = node.minedNonce(from);
            if (busy || node.pendingNonce(from) != minedNonce) {
                continue;
            }
            Optional<SigningKey> key = keys.byAddress(from);
            if (key.isEmpty()) {
                drains.remove(from);
                continue;
            }
            Fees fees = feePolicy.initial(payer.feeSuggestion());
            Wei balance = node.balance(from);
            Wei cost = FeePolicy.maxGasCost(fees, UnsignedTransaction.TRANSFER_GAS);
            if (!cost.isLessThan(balance)) {
                LOG.log(System.Logger.Level.INFO, "drain of {0}: balance {1} wei does not cover the fee; nothing to move", from, balance);
                drains.remove(from);
                continue;
            }
            SignedTransaction tx = key.get().sign(new UnsignedTransaction(payer.chainId(), minedNonce, d.getValue(),
                    balance.minus(cost), UnsignedTransaction.TRANSFER_GAS, fees));
            node.sendRawTransaction(tx.rawHex());
            drains.remove(from);
            LOG.log(System.Logger.Level.INFO, "drained {0} wei from {1} to {2} in {3}", balance.minus(cost), from, d.getValue(), tx.hash());
        }
    }

    public Map<Address, Address> pendingDrains() {
        return Map.copyOf(drains);
    }
}
