package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
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
     * Checks the quotas (per IP, per address, daily cap, over the window ending at
     * {@code request.now()}) and records the grant as PENDING, as one atomic step: of many
     * concurrent identical requests exactly one is reserved. An idempotency key already in the
     * ledger answers {@link Reservation.Replayed} and records nothing.
     */
    Reservation reserve(ReservationRequest request, QuotaLimits limits);

    /** Removes a PENDING grant that was never signed nor acknowledged (e.g. the balance check refused it). */
    void cancel(GrantId id);

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

    /**
     * Distinct recipient addresses requested from this IP since the given time (fingerprints), and
     * the time of the oldest such request, from which the window's reset time follows.
     */
    AddressSpread addressesFrom(ClientIp ip, Instant since);

    record AddressSpread(int distinctAddresses, Optional<Instant> oldest) {
    }

    /** Deletes finished grants created before {@code grantsBefore} and fingerprints before {@code fingerprintsBefore}. */
    PruneResult prune(Instant grantsBefore, Instant fingerprintsBefore);

    record PruneResult(int grants, int fingerprints) {
    }
}
