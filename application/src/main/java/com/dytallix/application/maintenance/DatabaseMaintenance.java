package com.dytallix.application.maintenance;

import com.dytallix.domain.grant.GrantLedger.PruneResult;
import java.nio.file.Path;
import java.time.Instant;

/** The operator's care of the database: backups, restore, retention, statistics. */
public interface DatabaseMaintenance {

    /**
     * Takes a consistent snapshot of the live database (the server may keep writing) and archives it
     * as {@code backupDir/dytallix-backup-<UTC yyyyMMdd_HHmmss>.tar.gz} holding {@code dytallix.db}
     * at the archive root; then keeps only the newest {@code keep} such archives.
     *
     * @return the archive written
     */
    Path backup(Path backupDir, int keep, Instant at);

    /**
     * Replaces the database file at {@code dbPath} with the one in {@code archive}, after checking
     * its integrity. Refused while a server holds the database.
     */
    void restore(Path archive, Path dbPath);

    /** Deletes finished grants created before {@code grantsBefore} and fingerprints before {@code fingerprintsBefore}. */
    PruneResult prune(Instant grantsBefore, Instant fingerprintsBefore);

    /** Deletes admin audit entries older than {@code before}; returns how many. */
    int pruneAudit(Instant before);

    /** Lets the database refresh its query planner statistics ({@code PRAGMA optimize}). */
    void optimize();
}
