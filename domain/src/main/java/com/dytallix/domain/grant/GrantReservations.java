package com.dytallix.domain.grant;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;

/** The ledger as admission uses it: the atomic reservation, the outflow budget, replays and fingerprints. */
public interface GrantReservations {
    /**
     * Runs the admission rules that read the ledger and, unless they refuse, records the grant as
     * PENDING with their payout and factors and draws the payout from the outflow budget, as one
     * atomic step: of many concurrent identical requests exactly one is reserved, and no two
     * requests see the same budget. An idempotency key already in the ledger answers
     * {@link Reservation.Replayed} and records nothing.
     */
    Reservation reserve(ReservationRequest request, LedgerAdmission admission);

    /**
     * Runs the rules that read the ledger on the ledger as it stands, reserving nothing: the refusal
     * they would give now. A read, for a request that is likely to be refused, so that refusing it
     * costs no write; a request it lets through must still be {@link #reserve reserved}.
     */
    Optional<Refusal> refusalNow(ReservationRequest request, LedgerAdmission admission);

    /** The outflow budget at {@code now}, in wei, negative while in debt. */
    BigInteger budget(OutflowPolicy outflow, Instant now);

    Optional<Grant> findByIdempotencyKey(String key);

    void recordFingerprint(Fingerprint fingerprint);
}
