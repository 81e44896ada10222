package com.dytallix.adapters.persistence;

import com.dytallix.domain.grant.GrantLedger.PruneResult;
import com.dytallix.domain.maintenance.DatabaseMaintenance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Function;

/**
 * Retention and statistics for the SQLite file at {@code dbPath}. Each operation opens its own
 * short-lived handle on the file, so the {@code prune} command works beside a running server, and
 * the server's daily job shares the one in-process writer with the server's own handle.
 */
final class SqliteMaintenance implements DatabaseMaintenance {
    private final Path dbPath;

    SqliteMaintenance(Path dbPath) {
        this.dbPath = dbPath;
    }

    @Override
    public PruneResult prune(Instant grantsBefore, Instant fingerprintsBefore) {
        return withDatabase(db -> new SqlGrantLedger(db).prune(grantsBefore, fingerprintsBefore));
    }

    @Override
    public int pruneAudit(Instant before) {
        return withDatabase(db -> new SqlFaucetControls(db, Persistence.SHARED_STATE_REFRESH).pruneAudit(before));
    }

    @Override
    public int pruneTransfers(Instant before) {
        return withDatabase(db -> new SqlInternalTransfers(db).prune(before));
    }

    @Override
    public void optimize() {
        withDatabase(db -> {
            db.optimize();
            return null;
        });
    }

    private <T> T withDatabase(Function<SqliteDatabase, T> work) {
        if (!Files.isRegularFile(dbPath)) {
            throw new MaintenanceException("there is no database at " + dbPath);
        }
        try (SqliteDatabase db = SqliteDatabase.open(dbPath)) {
            return work.apply(db);
        }
    }
}
