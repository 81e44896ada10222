package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.Wei;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the ledger holds, as the admission rules see it inside the atomic reservation step: grants
 * that count (not failed) created strictly after {@code since}, oldest first, and the outflow
 * budget. Nothing another request reserves can slip in between a rule's read and the reservation.
 */
public interface LedgerWindow {
    /**
     * The times of the newest {@code most} counting grants of this client after {@code since}, oldest
     * first: all a quota of {@code most} needs (whether it is reached, and when it reopens), however
     * many grants the window holds.
     */
    List<Instant> grantTimesByClient(IpRange client, Instant since, int most);

    /** As {@link #grantTimesByClient}, per subnet. */
    List<Instant> grantTimesBySubnet(IpRange subnet, Instant since, int most);

    /** As {@link #grantTimesByClient}, per recipient address. */
    List<Instant> grantTimesByAddress(Address address, Instant since, int most);

    /** The sum of the counting grants' amounts. */
    Wei paidSince(Instant since);

    /**
     * Never less than {@link #paidSince}, and cheaper where the ledger keeps running totals: the
     * daily cap reads the exact sum only when this one comes near it.
     */
    default Wei paidAtMostSince(Instant since) {
        return paidSince(since);
    }

    /** The counting grants' amounts and times, oldest first (read only to work out when a cap reopens). */
    List<Payout> payoutsSince(Instant since);

    /** Distinct addresses this client asked for (fingerprints and grants of any status) after {@code since}. */
    AddressSpread addressesFrom(IpRange client, Instant since);

    /** The outflow budget now, in wei, negative while in debt. */
    BigInteger budget();

    record Payout(Wei amount, Instant at) {
    }

    record AddressSpread(int distinctAddresses, Optional<Instant> oldest) {
    }
}
