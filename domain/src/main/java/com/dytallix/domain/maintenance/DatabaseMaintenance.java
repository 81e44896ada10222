package com.dytallix.domain.maintenance;

import com.dytallix.domain.grant.GrantLedger.PruneResult;
import java.time.Instant;

/** The operator's care of the database over time: retention and statistics. */
public interface DatabaseMaintenance {

    /** Deletes finished grants created before {@code grantsBefore} and fingerprints before {@code fingerprintsBefore}. */
    PruneResult prune(Instant grantsBefore, Instant fingerprintsBefore);

    /** Deletes admin audit entries older than {@code before}; returns how many. */
    int pruneAudit(Instant before);

    /** Deletes gap fillers and drains settled before {@code before}; returns how many. */
    int pruneTransfers(Instant before);

    /** Lets the database refresh its query planner statistics (and reclaim what it can). */
    void optimize();
}
