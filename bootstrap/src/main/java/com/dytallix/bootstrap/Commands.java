package com.dytallix.bootstrap;

import com.dytallix.adapters.node.Secp256k1Key;
import com.dytallix.adapters.persistence.InstanceLock;
import com.dytallix.adapters.persistence.MaintenanceException;
import com.dytallix.adapters.persistence.Migrations;
import com.dytallix.adapters.persistence.Persistence;
import com.dytallix.application.maintenance.Backups;
import com.dytallix.application.maintenance.Retention;
import com.dytallix.domain.maintenance.DatabaseMaintenance;
import com.dytallix.bootstrap.config.Settings;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** The one-shot subcommands. Each prints what it did and returns the exit code. */
final class Commands {
    private Commands() {
    }

    static int keygen(PrintStream out) {
        Secp256k1Key key = Secp256k1Key.generate();
        out.println("address:     " + key.address());
        out.println("private key: " + key.privateKeyHex());
        out.println("Store the private key in your secret store; it is shown only this once.");
        return Main.OK;
    }

    static int migrate(Settings settings, PrintStream out) {
        // never under a running instance: it would keep using the schema it knows
        try (InstanceLock alone = lock(settings, false); Persistence db = open(settings)) {
            List<Migrations.Migration> applied = migrateOrFail(db);
            if (applied.isEmpty()) {
                out.println("database " + db.location() + " is up to date (schema version " + db.schemaVersion() + ")");
            } else {
                applied.forEach(m -> out.println("applied V" + m.version() + " " + m.description()));
            }
            return Main.OK;
        }
    }

    static int backup(Settings settings, PrintStream out) {
        DataFiles.ownerOnlyDirectory(settings.backupDir());
        try {
            out.println("backup written: " + backups(settings).take());
            return Main.OK;
        } catch (MaintenanceException | IllegalStateException e) {
            throw new StartupException(e.getMessage(), Main.FAILED);
        }
    }

    static int restore(Settings settings, String backup, PrintStream out) {
        try {
            backups(settings).restore(backup);
        } catch (MaintenanceException | IllegalStateException e) {
            throw new StartupException(e.getMessage(), Main.FAILED);
        }
        out.println("restored " + (settings.databaseUrl().isPresent() ? "the database" : settings.dbPath()) + " from " + backup);
        return Main.OK;
    }

    /** The backups of the configured store (BACKUP_DIR, BACKUP_KEEP). */
    private static Backups backups(Settings settings) {
        return new Backups(Persistence.backups(settings.databaseUrl(), settings.dbPath(), settings.backupDir(), settings.backupKeep()),
                Clock.systemUTC());
    }

    static int prune(Settings settings, PrintStream out) {
        try (Persistence db = open(settings)) {
            migrateOrFail(db);
            Retention.Pruned r = retention(db.maintenance(), settings, Clock.systemUTC()).prune();
            out.println("pruned " + r.ledger().grants() + " finished grants, " + r.ledger().fingerprints() + " fingerprints, "
                    + r.auditEntries() + " admin audit entries and " + r.internalTransfers() + " settled gap fillers and drains");
            return Main.OK;
        }
    }

    /** Retention as configured (RETENTION_GRANTS_DAYS, RETENTION_FINGERPRINTS_DAYS, RETENTION_AUDIT_DAYS). */
    static Retention retention(DatabaseMaintenance maintenance, Settings settings, Clock clock) {
        return new Retention(maintenance, Duration.ofDays(settings.retentionGrantsDays()),
                Duration.ofDays(settings.retentionFingerprintsDays()), Duration.ofDays(settings.get(Settings.RETENTION_AUDIT_DAYS)),
                clock);
    }

    private static InstanceLock lock(Settings settings, boolean shared) {
        if (settings.databaseUrl().isEmpty()) {
            // the lock file sits beside the database: a new data directory is made 0700 here, not by the lock with the umask's mode
            DataFiles.ownerOnlyDirectory(settings.dataDir());
        }
        try {
            return Persistence.lock(settings.databaseUrl(), settings.dbPath(), shared);
        } catch (IllegalStateException e) {
            throw new StartupException(e.getMessage(), Main.FAILED);
        }
    }

    static Persistence open(Settings settings) {
        if (settings.databaseUrl().isEmpty()) {
            DataFiles.ownerOnlyDirectory(settings.dataDir());
        }
        try {
            Persistence db = Persistence.open(settings.databaseUrl(), settings.dbPath());
            if (settings.databaseUrl().isEmpty()) {
                DataFiles.ownerOnlyDatabase(settings.dbPath());
            }
            return db;
        } catch (RuntimeException e) {
            throw new StartupException("cannot open the database: " + e.getMessage(), Main.FAILED);
        }
    }

    static List<Migrations.Migration> migrateOrFail(Persistence db) {
        try {
            return db.migrate();
        } catch (com.dytallix.adapters.persistence.MigrationException e) {
            throw new StartupException(e.getMessage(), Main.FAILED);
        }
    }
}
