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
     * The time of this client's {@code nth} newest counting grant after {@code since} (1 is the newest),
     * or empty when it has fewer: all a quota of {@code nth} needs (it is reached when such a grant
     * exists, and reopens when that grant leaves the window), however many grants the window holds.
     */
    Optional<Instant> nthNewestGrantByClient(IpRange client, Instant since, int nth);

    /** As {@link #nthNewestGrantByClient}, per subnet. */
    Optional<Instant> nthNewestGrantBySubnet(IpRange subnet, Instant since, int nth);

    /** As {@link #nthNewestGrantByClient}, per recipient address. */
    Optional<Instant> nthNewestGrantByAddress(Address address, Instant since, int nth);

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

    /**
     * Distinct addresses this client asked for (fingerprints and grants of any status) after {@code
     * since}, leaving out the requests refused for a block ({@link Fingerprint#BLOCKED}).
     */
    AddressSpread addressesFrom(IpRange client, Instant since);

    /** The outflow budget now, in wei, negative while in debt. */
    BigInteger budget();

    record Payout(Wei amount, Instant at) {
    }

    record AddressSpread(int distinctAddresses, Optional<Instant> oldest) {
    }
}
