package com.dytallix.bootstrap;

import com.dytallix.adapters.node.Secp256k1Key;
import com.dytallix.adapters.persistence.Migrations;
import com.dytallix.adapters.persistence.ServerLock;
import com.dytallix.adapters.persistence.SqliteDatabase;
import com.dytallix.adapters.persistence.SqliteMaintenance;
import com.dytallix.application.maintenance.DatabaseMaintenance;
import com.dytallix.bootstrap.config.Settings;
import com.dytallix.domain.grant.GrantLedger;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
        try (ServerLock ignored = exclusive(settings); SqliteDatabase db = open(settings)) {
            List<Migrations.Migration> applied = migrateOrFail(db);
            if (applied.isEmpty()) {
                out.println("database " + settings.dbPath() + " is up to date (schema version " + new Migrations(db).latestVersion() + ")");
            } else {
                applied.forEach(m -> out.println("applied V" + m.version() + " " + m.description()));
            }
            return Main.OK;
        }
    }

    static int backup(Settings settings, PrintStream out) {
        if (!Files.exists(settings.dbPath())) {
            throw new StartupException("no database at " + settings.dbPath() + "; nothing to back up", Main.FAILED);
        }
        DataFiles.ownerOnlyDirectory(settings.backupDir());
        Path archive = new SqliteMaintenance(settings.dbPath()).backup(settings.backupDir(), settings.backupKeep(), Instant.now());
        DataFiles.ownerOnlyFiles(archive);
        out.println("backup written: " + archive);
        return Main.OK;
    }

    static int restore(Settings settings, Path archive, PrintStream out) {
        if (!Files.isRegularFile(archive)) {
            throw new StartupException("no backup archive at " + archive, Main.FAILED);
        }
        try {
            new SqliteMaintenance(settings.dbPath()).restore(archive, settings.dbPath());
        } catch (ServerLock.ServerRunningException e) {
            throw new StartupException(e.getMessage(), Main.FAILED);
        }
        out.println("restored " + settings.dbPath() + " from " + archive);
        return Main.OK;
    }

    static int prune(Settings settings, PrintStream out) {
        try (SqliteDatabase db = open(settings)) {
            migrateOrFail(db);
        }
        Pruned r = prune(new SqliteMaintenance(settings.dbPath()), settings, Clock.systemUTC());
        out.println("pruned " + r.ledger().grants() + " finished grants, " + r.ledger().fingerprints() + " fingerprints and "
                + r.auditEntries() + " admin audit entries");
        return Main.OK;
    }

    /** What retention deleted. */
    record Pruned(GrantLedger.PruneResult ledger, int auditEntries) {
    }

    /** Retention as configured, then fresh planner statistics. */
    static Pruned prune(DatabaseMaintenance maintenance, Settings settings, Clock clock) {
        Instant now = clock.instant();
        GrantLedger.PruneResult ledger = maintenance.prune(now.minus(Duration.ofDays(settings.retentionGrantsDays())),
                now.minus(Duration.ofDays(settings.retentionFingerprintsDays())));
        int audit = maintenance.pruneAudit(now.minus(Duration.ofDays(settings.get(Settings.RETENTION_AUDIT_DAYS))));
        maintenance.optimize();
        return new Pruned(ledger, audit);
    }

    private static ServerLock exclusive(Settings settings) {
        try {
            return ServerLock.exclusive(settings.dbPath());
        } catch (IllegalStateException e) {
            throw new StartupException(e.getMessage(), Main.FAILED);
        }
    }

    static SqliteDatabase open(Settings settings) {
        DataFiles.ownerOnlyDirectory(settings.dataDir());
        try {
            SqliteDatabase db = SqliteDatabase.open(settings.dbPath());
            DataFiles.ownerOnlyDatabase(settings.dbPath());
            return db;
        } catch (RuntimeException e) {
            throw new StartupException("cannot open the database " + settings.dbPath() + ": " + e.getMessage(), Main.FAILED);
        }
    }

    static List<Migrations.Migration> migrateOrFail(SqliteDatabase db) {
        try {
            return new Migrations(db).migrate();
        } catch (com.dytallix.adapters.persistence.MigrationException e) {
            throw new StartupException(e.getMessage(), Main.FAILED);
        }
    }
}
