package com.dytallix.application.maintenance;

import com.dytallix.domain.grant.GrantLedger.PruneResult;
import com.dytallix.domain.maintenance.DatabaseMaintenance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Retention as configured: finished grants, fingerprints and admin audit entries older than their
 * keep periods are deleted (and gap fillers and drains settled as long ago as the grants kept), then the database refreshes its planner statistics. The daily job and the {@code prune}
 * command both run this.
 */
public final class Retention {
    private final DatabaseMaintenance maintenance;
    private final Duration keepGrants;
    private final Duration keepFingerprints;
    private final Duration keepAudit;
    private final Clock clock;

    public Retention(DatabaseMaintenance maintenance, Duration keepGrants, Duration keepFingerprints, Duration keepAudit,
                     Clock clock) {
        this.maintenance = maintenance;
        this.keepGrants = keepGrants;
        this.keepFingerprints = keepFingerprints;
        this.keepAudit = keepAudit;
        this.clock = clock;
    }

    /** What one pass deleted. */
    public record Pruned(PruneResult ledger, int auditEntries, int internalTransfers) {
    }

    public Pruned prune() {
        Instant now = clock.instant();
        PruneResult ledger = maintenance.prune(now.minus(keepGrants), now.minus(keepFingerprints));
        int audit = maintenance.pruneAudit(now.minus(keepAudit));
        int transfers = maintenance.pruneTransfers(now.minus(keepGrants));
        maintenance.optimize();
        return new Pruned(ledger, audit, transfers);
    }
}
