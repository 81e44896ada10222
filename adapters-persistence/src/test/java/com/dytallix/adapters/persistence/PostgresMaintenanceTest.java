package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.grant.GrantLedger.PruneResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention and the refusal to restore under a running instance, on PostgreSQL (backup and restore themselves: PostgresBackupRestoreTest). */
class PostgresMaintenanceTest {
    @TempDir
    Path dir;
    private PostgresUrl url;
    private Optional<String> databaseUrl;
    private PostgresDatabase db;

    @BeforeEach
    void open() {
        url = EmbeddedPostgres.shared().newDatabase();
        databaseUrl = Optional.of("postgresql://" + url.user() + "@" + url.host() + ":" + url.port() + "/" + url.database());
        db = PostgresDatabase.open(url);
        new Migrations(db).migrate();
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void retentionDeletesWhatIsPastItsKeepPeriodAndNothingElse() {
        Instant now = Instant.now();
        new RunbookData(new SqlGrantLedger(db), TestSql.lease(db)).write(now);
        SqlMaintenance maintenance = new SqlMaintenance(db);

        // finished grants older than 30 days (one confirmed, one failed), fingerprints older than 7 days
        assertThat(maintenance.prune(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(7)))).isEqualTo(new PruneResult(2, 2));
        assertThat(maintenance.prune(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(7)))).isEqualTo(new PruneResult(0, 0));
        assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM faucet_grants")).isEqualTo(6);
        assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM request_fingerprints")).isEqualTo(19);
        assertThat(TestSql.number(db,
                "SELECT COUNT(*) AS n FROM grant_tx_hashes WHERE grant_id NOT IN (SELECT id FROM faucet_grants)")).isZero();
        assertThat(maintenance.pruneAudit(now)).isZero();
        maintenance.optimize();
    }

    @Test
    void restoreAndMigrateAreRefusedWhileAnInstanceRuns() throws Exception {
        try (InstanceLock server = Persistence.lock(databaseUrl, dir.resolve("unused.db"), true)) {
            Path dump = dir.resolve("backup.dump");
            java.nio.file.Files.writeString(dump, "a dump");
            assertThatThrownBy(() -> Persistence.backups(databaseUrl, dir.resolve("unused.db"), dir, 7).restore(dump.toString()))
                    .isInstanceOf(ServerLock.ServerRunningException.class);
            assertThatThrownBy(() -> Persistence.lock(databaseUrl, dir.resolve("unused.db"), false))
                    .isInstanceOf(ServerLock.ServerRunningException.class);
            // another server may start beside it
            Persistence.lock(databaseUrl, dir.resolve("unused.db"), true).close();
        }
        Persistence.lock(databaseUrl, dir.resolve("unused.db"), false).close();
    }

    @Test
    void aServerStartingTheMomentMaintenanceEndsIsNotRefused() {
        // the database ends a closed session's backend a little later; the lock must be gone at close
        for (int i = 0; i < 50; i++) {
            Persistence.lock(databaseUrl, dir.resolve("unused.db"), false).close();
            Persistence.lock(databaseUrl, dir.resolve("unused.db"), true).close();
        }
    }
}
