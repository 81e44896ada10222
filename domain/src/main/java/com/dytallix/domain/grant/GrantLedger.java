package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.LeaseLostException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The grant ledger: every payout from reservation to its final state. Each method is one atomic
 * step; a move the lifecycle forbids throws {@link IllegalGrantTransitionException} and changes
 * nothing.
 */
public interface GrantLedger {

    /**
     * Runs the admission rules that read the ledger and, unless they refuse, records the grant as
     * PENDING with their payout and factors and draws the payout from the outflow budget, as one
     * atomic step: of many concurrent identical requests exactly one is reserved, and no two
     * requests see the same budget. An idempotency key already in the ledger answers
     * {@link Reservation.Replayed} and records nothing.
     */
    Reservation reserve(ReservationRequest request, LedgerAdmission admission);

    /** The outflow budget at {@code now}, in wei, negative while in debt. */
    java.math.BigInteger budget(OutflowPolicy outflow, Instant now);

    /**
     * PENDING → SIGNED, storing the raw transaction, sender, nonce, fees and first hash in the same
     * step, which also checks that {@code lease} is still the payer lease in force at {@code at}.
     *
     * @throws LeaseLostException when it is not; nothing is stored
     */
    void markSigned(GrantId id, SignedTransaction tx, Instant at, Lease lease);

    /** SIGNED → SUBMITTED: the node accepted it. On a SUBMITTED grant it records a re-broadcast's time. */
    void markSubmitted(GrantId id, Instant at);

    /**
     * Replaces the grant's transaction (same nonce, higher fees): new raw bytes, hash appended to the
     * history; fenced by {@code lease} like {@link #markSigned}.
     *
     * @throws LeaseLostException when the lease is no longer in force; nothing is stored
     */
    void recordReplacement(GrantId id, SignedTransaction replacement, Instant at, Lease lease);

    /**
     * SIGNED or SUBMITTED → SUBMITTED with the hash that was mined, its block number and block hash:
     * the transaction is in a block that is not yet deep enough to call the grant confirmed.
     */
    void markIncluded(GrantId id, TxHash landed, long blockNumber, String blockHash, Instant at);

    /**
     * A reorg took the grant's block off the canonical chain: CONFIRMED or SUBMITTED → SUBMITTED,
     * with the landed hash, block number and block hash cleared. The grant keeps counting against
     * the quotas (it is still being paid).
     *
     * @throws IllegalArgumentException when the grant is not in a block
     */
    void reopen(GrantId id, Instant at);

    /** SUBMITTED and CONFIRMED grants recorded in a block at or above {@code fromBlock} (with its hash), oldest block first. */
    List<Grant> inBlocksFrom(long fromBlock);

    /** → CONFIRMED with the hash that was mined. */
    void markConfirmed(GrantId id, TxHash landed, long blockNumber, Instant at);

    /** → FAILED with a reason; the grant stops counting against every quota. */
    void markFailed(GrantId id, String reason, Instant at);

    Optional<Grant> find(GrantId id);

    Optional<Grant> findByIdempotencyKey(String key);

    /** PENDING, SIGNED and SUBMITTED grants, oldest first. */
    List<Grant> unfinished();

    /** The highest nonce this sender ever signed for a grant that is not FAILED-before-sending. */
    OptionalLong highestNonce(Address from);

    List<Grant> search(GrantQuery query);

    void recordFingerprint(Fingerprint fingerprint);

    /** Deletes finished grants created before {@code grantsBefore} and fingerprints before {@code fingerprintsBefore}. */
    PruneResult prune(Instant grantsBefore, Instant fingerprintsBefore);

    record PruneResult(int grants, int fingerprints) {
    }
}
