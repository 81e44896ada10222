package com.dytallix.application.maintenance;

import com.dytallix.domain.grant.GrantLedger.PruneResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Retention as configured: finished grants and fingerprints older than their keep periods are
 * deleted, then the database refreshes its planner statistics. The daily job and the {@code prune}
 * command both run this.
 */
public final class Retention {
    private final DatabaseMaintenance maintenance;
    private final Duration keepGrants;
    private final Duration keepFingerprints;
    private final Clock clock;

    public Retention(DatabaseMaintenance maintenance, Duration keepGrants, Duration keepFingerprints, Clock clock) {
        this.maintenance = maintenance;
        this.keepGrants = keepGrants;
        this.keepFingerprints = keepFingerprints;
        this.clock = clock;
    }

    public PruneResult prune() {
        Instant now = clock.instant();
        PruneResult r = maintenance.prune(now.minus(keepGrants), now.minus(keepFingerprints));
        maintenance.optimize();
        return r;
    }
}
