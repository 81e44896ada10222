package com.dytallix.adapters.persistence;

import com.dytallix.domain.grant.GrantLedger.PruneResult;
import com.dytallix.domain.maintenance.DatabaseMaintenance;
import java.time.Instant;

/**
 * Retention and statistics, SQLite or PostgreSQL, over the store's own connections: the {@code prune} command and the
 * server's daily job open the database once (SQLite's opened a pool of its own for each step, five per prune).
 */
final class SqlMaintenance implements DatabaseMaintenance {
    private final Database database;

    SqlMaintenance(Database database) {
        this.database = database;
    }

    @Override
    public PruneResult prune(Instant grantsBefore, Instant fingerprintsBefore) {
        return new SqlGrantLedger(database).prune(grantsBefore, fingerprintsBefore);
    }

    @Override
    public int pruneAudit(Instant before) {
        return new SqlFaucetControls(database, Persistence.SHARED_STATE_REFRESH).pruneAudit(before);
    }

    @Override
    public int pruneTransfers(Instant before) {
        return new SqlInternalTransfers(database).prune(before);
    }

    @Override
    public void optimize() {
        database.optimize();
    }
}
