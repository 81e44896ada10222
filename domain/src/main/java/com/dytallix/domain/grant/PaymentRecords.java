package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.LeaseLostException;
import java.time.Instant;
import java.util.OptionalLong;

/** The ledger as the payer uses it: nonces, and each grant's transaction from signing to the node. */
public interface PaymentRecords extends GrantRecords {
    /**
     * PENDING → SIGNED, storing the raw transaction, sender, nonce, fees and first hash in the same
     * step, which also checks that {@code lease} is still the payer lease in force at {@code at}.
     *
     * @throws LeaseLostException when it is not; nothing is stored
     */
    void markSigned(GrantId id, SignedTransaction tx, Instant at, Lease lease);

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
}
