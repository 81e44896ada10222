package com.dytallix.domain.grant;

import java.time.Instant;

/**
 * The grant ledger: every payout from reservation to its final state, one store behind each role
 * the use cases see it in ({@link GrantReservations} for admission, {@link PaymentRecords} for the
 * payer, {@link Settlements} for the tracker, {@link GrantRecords} for lookups, {@link LedgerChain}
 * for the chain it pays on). Each method is one
 * atomic step; a move the lifecycle forbids throws {@link IllegalGrantTransitionException} and
 * changes nothing.
 */
public interface GrantLedger extends GrantReservations, PaymentRecords, Settlements, LedgerChain {

    /** Deletes finished grants created before {@code grantsBefore} and fingerprints before {@code fingerprintsBefore}. */
    PruneResult prune(Instant grantsBefore, Instant fingerprintsBefore);

    record PruneResult(int grants, int fingerprints) {
    }
}
