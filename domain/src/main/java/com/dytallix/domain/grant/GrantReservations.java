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
     * A number that changes whenever a grant stops counting against the quotas (it failed, or a grant
     * of the last days was deleted), on any instance. A refusal a ledger rule gave holds, without
     * asking the ledger again, until its reset time or until this number changes: grants only ever
     * add to what the rules count otherwise. Cheap (no database work on most calls): this instance's
     * own changes show at once, another instance's within the store's refresh interval.
     */
    long quotaReleases();

    /** The outflow budget at {@code now}, in wei, negative while in debt. */
    BigInteger budget(OutflowPolicy outflow, Instant now);

    Optional<Grant> findByIdempotencyKey(String key);

    void recordFingerprint(Fingerprint fingerprint);
}
