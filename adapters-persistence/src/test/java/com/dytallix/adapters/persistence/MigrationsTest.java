package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helidon.dbclient.DbRow;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationsTest {
    @TempDir
    Path dir;
    private SqliteDatabase db;

    @BeforeEach
    void open() {
        db = SqliteDatabase.open(dir.resolve("dytallix.db"));
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aNewDatabaseGetsEveryMigrationOnceWithItsChecksum() throws Exception {
        Migrations migrations = new Migrations(db);

        assertThat(migrations.migrate()).extracting(Migrations.Migration::name)
                .containsExactlyElementsOf(Migrations.FILES.stream().map(f -> f.replace(".sql", "")).toList());
        assertThat(migrations.migrate()).isEmpty();

        assertThat(db.isMigrated()).isTrue();
        byte[] file = Migrations.class.getClassLoader().getResourceAsStream("db/migration/V001__initial_schema.sql")
                .readAllBytes();
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file));
        assertThat(TestSql.text(db, "SELECT checksum AS t FROM schema_migrations WHERE version = 1")).isEqualTo(sha256);
        assertThat(tables()).contains("faucet_grants", "grant_tx_hashes", "request_fingerprints", "faucet_state",
                "topups", "key_rotations", "audit_log", "payer_lease", "schema_migrations", "outflow_budget", "blocks", "pow_challenges");
    }

    @Test
    void aChangedMigrationIsRefused() {
        new Migrations(db).migrate();
        db.write(tx -> tx.update("UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1"));

        assertThatThrownBy(() -> new Migrations(db).migrate())
                .isInstanceOf(MigrationException.class)
                .hasMessageStartingWith("migration V001__initial_schema changed after it was applied (checksum abc in the database");
        assertThat(db.isMigrated()).isFalse();
    }

    @Test
    void aDatabaseNewerThanTheServerIsRefused() {
        new Migrations(db).migrate();
        db.write(tx -> tx.insert("INSERT INTO schema_migrations (version, description, checksum, applied_at) "
                + "VALUES (999, 'from_the_future', 'x', '2030-01-01 00:00:00.000')"));

        assertThatThrownBy(() -> new Migrations(db).migrate())
                .isInstanceOf(MigrationException.class)
                .hasMessage("database schema version 999 is newer than this server (" + new Migrations(db).latestVersion()
                        + "); upgrade the server or restore a backup");
        assertThat(db.isMigrated()).isFalse();
    }

    @Test
    void twoProcessesMigratingAtOnceApplyEachMigrationOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (SqliteDatabase other = SqliteDatabase.open(dir.resolve("dytallix.db"))) {
            Future<List<Migrations.Migration>> first = pool.submit(() -> new Migrations(db).migrate());
            Future<List<Migrations.Migration>> second = pool.submit(() -> new Migrations(other).migrate());
            assertThat(first.get().size() + second.get().size()).isEqualTo(Migrations.FILES.size());
        } finally {
            pool.shutdownNow();
        }
        assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM schema_migrations")).isEqualTo(Migrations.FILES.size());
    }

    @Test
    void aTriggerIsOneStatement() {
        List<String> statements = Migrations.statements("""
                -- a comment
                CREATE TABLE a (x);
                CREATE TRIGGER t AFTER DELETE ON a
                BEGIN
                    DELETE FROM b WHERE y = OLD.x;
                END;
                CREATE INDEX i ON a (x);
                """);

        assertThat(statements).hasSize(3);
        assertThat(statements.get(1)).startsWith("CREATE TRIGGER").endsWith("END").contains("DELETE FROM b WHERE y = OLD.x;");
    }

    @Test
    void aDollarQuotedFunctionBodyIsOneStatementAndATriggerWithoutABodyEndsAtItsSemicolon() {
        List<String> statements = Migrations.statements("""
                CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO b (y) VALUES (NEW.x);
                    RETURN NEW;
                END
                $$;
                CREATE TRIGGER t AFTER INSERT ON a
                    FOR EACH ROW EXECUTE FUNCTION f();
                CREATE INDEX i ON a (x);
                """);

        assertThat(statements).hasSize(3);
        assertThat(statements.get(0)).startsWith("CREATE FUNCTION").endsWith("$$").contains("RETURN NEW;");
        assertThat(statements.get(1)).startsWith("CREATE TRIGGER").endsWith("EXECUTE FUNCTION f()");
    }

    @Test
    void everyMigrationFileIsListedAndHasItsPostgresForm() throws Exception {
        for (String location : List.of("db/migration", "db/migration/postgres")) {
            URL folder = Migrations.class.getClassLoader().getResource(location);
            List<String> files;
            try (Stream<Path> list = Files.list(Path.of(folder.toURI()))) {
                files = list.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
            }
            assertThat(Migrations.FILES).as(location).containsExactlyElementsOf(files);
        }
    }

    private List<String> tables() {
        return db.read(exec -> {
            try (Stream<DbRow> rows = exec.query("SELECT name FROM sqlite_master WHERE type = 'table'")) {
                return rows.map(row -> Rows.text(row, "name")).collect(ArrayList::new, ArrayList::add, ArrayList::addAll);
            }
        });
    }
}
