package com.dytallix.domain.payer;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.key.SignedTransaction;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The payer's transactions that pay no grant (gap fillers, drains), from signing until they are
 * final. Each method is one atomic step.
 */
public interface InternalTransfers {

    /**
     * Stores a signed transfer before it is sent, in the same step that checks that {@code lease} is
     * still the payer lease in force (as the ledger does for a grant's signed bytes).
     *
     * @return false when a transfer from this sender with this nonce is stored already: nothing is
     *         stored, so a nonce never has two different transfers
     * @throws LeaseLostException when the lease is not in force; nothing is stored
     */
    boolean record(InternalTransfer.Kind kind, SignedTransaction tx, Instant at, Lease lease);

    /**
     * Stores a re-priced transaction (same sender and nonce, higher fees) in place of the transfer's
     * current one, in the same step that checks {@code lease}, before it is sent: the current hash
     * joins {@link InternalTransfer#replaced}, and the transfer counts as not sent yet.
     *
     * @return false when the transfer stored for that sender and nonce is settled, or its current
     *         hash is no longer {@code replacing} (replaced meanwhile): nothing is stored
     * @throws LeaseLostException when the lease is not in force; nothing is stored
     */
    boolean replace(TxHash replacing, SignedTransaction replacement, Instant at, Lease lease);

    /** The node accepted the stored bytes (again) at {@code at}. */
    void markSent(Address from, long nonce, Instant at);

    /** The transfer was seen in block {@code blockNumber}, or (empty) the block it was seen in left the chain. */
    void markIncluded(Address from, long nonce, Optional<Long> blockNumber, Instant at);

    /** Nothing more to do: its block is past the reorg watch, or its nonce was used by another transaction. */
    void markSettled(Address from, long nonce, Instant at);

    /** Every transfer not settled yet, oldest first. */
    List<InternalTransfer> unsettled();

    /** The highest nonce of any transfer stored for this sender. */
    OptionalLong highestNonce(Address from);

    /**
     * Retention: deletes the transfers settled before {@code settledBefore}. A settled transfer is
     * past the reorg watch or had its nonce used by another transaction, so the chain's mined nonce
     * already covers it; one not settled is never deleted.
     *
     * @return how many were deleted
     */
    int prune(Instant settledBefore);
}
