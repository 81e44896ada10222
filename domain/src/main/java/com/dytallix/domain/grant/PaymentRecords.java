package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.LeaseLostException;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/** The ledger as the payer uses it: nonces, and each grant's transaction from signing to the node. */
public interface PaymentRecords extends GrantRecords {
    /**
     * PENDING → SIGNED for several grants in one atomic step (one write for a batch the payer signed
     * together), storing each one's raw transaction, sender, nonce, fees and first hash; the same step
     * checks that {@code lease} is still the payer lease in force at {@code at}. All or nothing: when
     * one of the grants is no longer PENDING (paid meanwhile by the other path) nothing is stored, so
     * the payer never leaves a nonce unused between stored ones; it signs the others again without it.
     *
     * @param signings distinct grants
     * @return the grants that were no longer PENDING; empty when every signing was stored
     * @throws LeaseLostException when the lease is not in force; nothing is stored
     */
    Set<GrantId> markSigned(List<Signing> signings, Instant at, Lease lease);

    /**
     * PENDING → SIGNED for one grant, as {@link #markSigned(List, Instant, Lease)}.
     *
     * @throws IllegalGrantTransitionException when the grant is no longer PENDING; nothing is stored
     * @throws LeaseLostException              when the lease is not in force; nothing is stored
     */
    default void markSigned(GrantId id, SignedTransaction tx, Instant at, Lease lease) {
        if (!markSigned(List.of(new Signing(id, tx)), at, lease).isEmpty()) {
            throw new IllegalGrantTransitionException(find(id).orElseThrow().status(), GrantStatus.SIGNED);
        }
    }

    /** A grant and the transaction signed to pay it. */
    record Signing(GrantId id, SignedTransaction tx) {
    }

    /** SIGNED → SUBMITTED: the node accepted it. On a SUBMITTED grant it records a re-broadcast's time. */
    void markSubmitted(GrantId id, Instant at);

    /** → FAILED with a reason; the grant stops counting against every quota. */
    void markFailed(GrantId id, String reason, Instant at);

    /**
     * PENDING → FAILED in one step: a reservation given up before anything was signed for it. The
     * check and the change are one, so a grant another path (the tracker, another instance) has
     * signed meanwhile is never failed under its transaction, which would be paid anyway.
     *
     * @return false, and nothing changes, when the grant is no longer PENDING
     */
    boolean abandon(GrantId id, String reason, Instant at);

    /** The highest nonce this sender ever signed for a grant that is not FAILED-before-sending. */
    OptionalLong highestNonce(Address from);

    /**
     * The nonces of this sender's SUBMITTED and CONFIRMED grants recorded in a block at or above
     * {@code fromBlock}: transactions the reorg watch may still find gone and send again with the same
     * nonce, so no other transaction may be given it even when the chain does not show it used.
     */
    Set<Long> noncesInBlocksFrom(Address from, long fromBlock);
}
