package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.Address;
import com.dytallix.domain.key.KeyRotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteDatabaseTest {
    @TempDir
    Path dir;

    @Test
    void opensAFileInDirectoriesThatDoNotExistYet() {
        Path file = dir.resolve("a/b/dytallix.db");
        try (SqliteDatabase db = SqliteDatabase.open(file)) {
            assertThat(db.isHealthy()).isTrue();
            assertThat(db.isMigrated()).isFalse();
        }
        assertThat(file).isRegularFile();
    }

    @Test
    void aWriteThatMadeNoStatementEndsWithoutHelidonsWarningAndTheNextWriteStillCommits() {
        java.util.logging.Logger helidon = java.util.logging.Logger.getLogger("io.helidon.dbclient.jdbc.TransactionContext");
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        helidon.addHandler(handler);
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("dytallix.db"))) {
            // the fingerprint writer's turn when a reservation wrote what was held: nothing to write
            assertThat(db.<Object>write(tx -> null)).isNull();
            assertThatThrownBy(() -> db.write(tx -> {
                throw new IllegalStateException("nothing written");
            })).hasMessage("nothing written");
            db.write(tx -> tx.dml("CREATE TABLE t (x)"));
            db.write(tx -> tx.insert("INSERT INTO t (x) VALUES (1)"));
            assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM t")).isEqualTo(1);
        } finally {
            helidon.removeHandler(handler);
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void jdbcReadsInAWriteSeeItsOwnUncommittedRowsAndAWriteOfReadsAloneGivesItsConnectionBack() {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("dytallix.db"))) {
            db.write(tx -> tx.dml("CREATE TABLE t (x)"));
            // a Helidon insert, then a JDBC read on the transaction's connection: it sees the row before the commit
            long seen = db.write(tx -> {
                tx.insert("INSERT INTO t (x) VALUES (1)");
                return JdbcReads.first(JdbcReads.in(tx), "SELECT COUNT(*) FROM t", row -> JdbcReads.integer(row, 1)).orElseThrow();
            });
            assertThat(seen).isEqualTo(1);
            // a JDBC read first (it begins the transaction), then a Helidon insert, rolled back: neither is left
            assertThatThrownBy(() -> db.write(tx -> {
                JdbcReads.first(JdbcReads.in(tx), "SELECT COUNT(*) FROM t", row -> JdbcReads.integer(row, 1));
                tx.insert("INSERT INTO t (x) VALUES (2)");
                throw new IllegalStateException("rolled back");
            })).hasMessage("rolled back");
            // writes of JDBC reads alone, committed and rolled back: the one writer connection comes back each time
            for (int i = 0; i < 5; i++) {
                List<Long> read = db.write(tx -> JdbcReads.list(JdbcReads.in(tx), "SELECT x FROM t", row -> JdbcReads.integer(row, 1)));
                assertThat(read).containsExactly(1L);
                assertThatThrownBy(() -> db.write(tx -> {
                    JdbcReads.list(JdbcReads.in(tx), "SELECT x FROM t", row -> JdbcReads.integer(row, 1));
                    throw new IllegalStateException("rolled back");
                })).hasMessage("rolled back");
            }
            db.write(tx -> tx.insert("INSERT INTO t (x) VALUES (3)"));
            List<Long> all = db.readJdbc(c -> JdbcReads.list(c, "SELECT x FROM t ORDER BY x", row -> JdbcReads.integer(row, 1)));
            assertThat(all).containsExactly(1L, 3L);
            // a failing statement reports the driver's failure as DbClient does, the SQLException its cause
            assertThatThrownBy(() -> db.readJdbc(c -> JdbcReads.list(c, "SELECT nothing FROM nowhere", row -> 1)))
                    .isInstanceOf(io.helidon.dbclient.DbClientException.class).hasCauseInstanceOf(java.sql.SQLException.class);
        }
    }

    @Test
    void aReadInsideAWriteBeforeItsFirstStatementGetsAConnectionOfItsOwnAndTheWriteCommitsOnJdbcReadsOne() {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("dytallix.db"))) {
            db.write(tx -> tx.dml("CREATE TABLE handoff (x INTEGER)"));
            db.write(tx -> {
                TestSql.readBeforeTheFirstStatement(db, tx);
                return null;
            });
            assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM handoff")).isEqualTo(2);
            // and the writer's connection came back: the next write has it
            db.write(tx -> tx.insert("INSERT INTO handoff (x) VALUES (3)"));
            assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM handoff")).isEqualTo(3);
        }
    }

    @Test
    void everyPooledConnectionRunsInWalWithForeignKeysAndABusyTimeout() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("dytallix.db"))) {
            // hold several connections at once so that more than one pooled connection is looked at
            String query = "SELECT (SELECT journal_mode FROM pragma_journal_mode) AS j,"
                    + " (SELECT foreign_keys FROM pragma_foreign_keys) AS f,"
                    + " (SELECT synchronous FROM pragma_synchronous) AS s,"
                    + " (SELECT timeout FROM pragma_busy_timeout) AS t";
            java.util.function.Function<io.helidon.dbclient.DbRow, String> setting = row -> Rows.text(row, "j") + "/"
                    + Rows.integer(row, "f") + "/" + Rows.integer(row, "s") + "/" + Rows.integer(row, "t");
            List<String> settings = new ArrayList<>();
            db.write(tx -> {
                settings.add(tx.get(query).map(setting).orElseThrow()); // the writer's own connection
                for (int i = 0; i < 4; i++) {
                    settings.add(db.read(exec -> exec.get(query).map(setting).orElseThrow()));
                }
                return tx.dml("CREATE TABLE t (x)");
            });
            assertThat(settings).hasSize(5).containsOnly("wal/1/1/" + SqliteDatabase.BUSY_TIMEOUT_MS);
        }
    }

    @Test
    void everyWriteTransactionRunsOnOneConnectionWhoseCacheNoOtherConnectionInvalidates() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("dytallix.db"));
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            db.write(tx -> tx.dml("CREATE TABLE t (x)"));
            // a temporary table exists on the one connection that created it
            db.write(tx -> tx.dml("CREATE TEMP TABLE writer_mark (x)"));
            String marked = "SELECT COUNT(*) AS n FROM temp.sqlite_master WHERE name = 'writer_mark'";
            String dataVersion = "SELECT data_version AS n FROM pragma_data_version";
            long version = db.write(tx -> number(tx, dataVersion));
            // readers hold pooled connections, among them the one a write last returned, and writes come from other threads
            try (Connection reading = db.dataSource.getConnection(); Connection alsoReading = db.dataSource.getConnection()) {
                for (int i = 0; i < 5; i++) {
                    int n = i;
                    threads.submit(() -> db.write(tx -> {
                        assertThat(number(tx, marked)).as("the write's connection").isOne();
                        // unchanged: only this connection committed since, so SQLite kept its page cache
                        assertThat(number(tx, dataVersion)).isEqualTo(version);
                        return tx.insert("INSERT INTO t (x) VALUES (?)", n);
                    })).get();
                }
                try (Statement statement = reading.createStatement(); ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM t")) {
                    rows.next();
                    assertThat(rows.getInt(1)).as("the readers see every write").isEqualTo(5);
                }
            }
        }
    }

    private static long number(io.helidon.dbclient.DbTransaction tx, String sql) {
        return tx.get(sql).map(row -> Rows.integer(row, "n")).orElseThrow();
    }

    @Test
    void aWriteTransactionTakesTheWriteLockAtItsFirstStatement() throws Exception {
        Path file = dir.resolve("dytallix.db");
        try (SqliteDatabase db = SqliteDatabase.open(file);
             Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = other.createStatement()) {
            statement.execute("PRAGMA busy_timeout = 0");
            db.write(tx -> {
                // only a read so far, yet BEGIN IMMEDIATE already keeps every other writer out
                tx.get("SELECT 1 AS one");
                assertThatThrownBy(() -> statement.execute("BEGIN IMMEDIATE")).hasMessageContaining("SQLITE_BUSY");
                return null;
            });
            statement.execute("BEGIN IMMEDIATE");
            statement.execute("COMMIT");
        }
    }

    @Test
    void aWriteThatWaitsPastTheBusyTimeoutForAnotherProcesssLockFailsAsBusyAndWritesNothing() throws Exception {
        Path file = dir.resolve("dytallix.db");
        try (SqliteDatabase db = SqliteDatabase.open(file, 200);
             Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = other.createStatement()) {
            new Migrations(db).migrate();
            SqlPayerLeases leases = new SqlPayerLeases(db);
            statement.execute("BEGIN IMMEDIATE"); // another process is paused inside its write transaction

            // more times than the pool has connections: a failed one is never handed out again, nor kept
            for (int i = 0; i < 10; i++) {
                assertThatThrownBy(() -> leases.acquire("payer", "session", java.time.Duration.ofSeconds(10)))
                        .isInstanceOf(com.dytallix.domain.StoreBusyException.class)
                        .hasMessageContaining("write lock");
            }
            statement.execute("ROLLBACK");
            assertThat(leases.current()).as("nothing was written").isEmpty();
            assertThat(leases.acquire("payer", "session", java.time.Duration.ofSeconds(10))).isPresent();
        }
    }

    @Test
    void aWriteQueuedBehindThisProcesssOwnWriterPastTheBusyTimeoutFailsAsBusyAndWritesNothing() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("dytallix.db"), 300)) {
            new Migrations(db).migrate();
            SqlPayerLeases leases = new SqlPayerLeases(db);
            CountDownLatch writing = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread slow = Thread.ofVirtual().start(() -> db.write(tx -> {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            }));
            writing.await();

            long start = System.nanoTime();
            assertThatThrownBy(() -> leases.acquire("payer", "session", java.time.Duration.ofSeconds(10)))
                    .isInstanceOf(com.dytallix.domain.StoreBusyException.class)
                    .hasMessageContaining("300 ms");
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).as("waited for the busy timeout, not without bound")
                    .isGreaterThanOrEqualTo(java.time.Duration.ofMillis(300));

            release.countDown();
            slow.join();
            assertThat(leases.current()).as("nothing was written").isEmpty();
            assertThat(leases.acquire("payer", "session", java.time.Duration.ofSeconds(10))).isPresent();
        }
    }

    @Test
    void aFailingWriteIsRolledBackWhole() {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("dytallix.db"))) {
            db.write(tx -> tx.dml("CREATE TABLE t (x INTEGER UNIQUE)"));
            try {
                db.write(tx -> {
                    tx.insert("INSERT INTO t (x) VALUES (1)");
                    return tx.insert("INSERT INTO t (x) VALUES (1)");
                });
            } catch (RuntimeException expected) {
                // the duplicate refuses the second insert
            }
            assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM t")).isZero();
        }
    }

    @Test
    void closingLeavesNoLogAndNoLockBehind() throws Exception {
        Path file = dir.resolve("dytallix.db");
        SqliteDatabase db = SqliteDatabase.open(file);
        new Migrations(db).migrate();
        new SqlKeyRotationLog(db).record(new KeyRotation(new Address("0x000000000000000000000000000000000000000a"),
                new Address("0x000000000000000000000000000000000000000b"), Instant.parse("2026-01-01T00:00:00Z")));
        assertThat(Path.of(file + "-wal")).exists();

        db.close();

        assertThat(db.isHealthy()).isFalse();
        assertThat(Path.of(file + "-wal")).doesNotExist();
        assertThat(Path.of(file + "-shm")).doesNotExist();
        // an exclusive lock is granted at once: nobody holds any lock on the file
        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = raw.createStatement()) {
            statement.execute("PRAGMA busy_timeout = 0");
            statement.execute("BEGIN EXCLUSIVE");
            try (ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM key_rotations")) {
                rows.next();
                assertThat(rows.getInt(1)).isEqualTo(1);
            }
            statement.execute("COMMIT");
        }
        assertThat(Files.size(file)).isPositive();
    }

    @Test
    void theLogIsCopiedIntoTheDatabaseFileInTheBackgroundNotByTheCommitsThatFillIt() throws Exception {
        Path file = dir.resolve("dytallix.db");
        try (SqliteDatabase db = SqliteDatabase.open(file)) {
            db.write(tx -> tx.dml("CREATE TABLE t (x BLOB)"));
            long before = Files.size(file);
            // about 300 pages, in commits of a few pages each: below SQLite's own threshold of 1,000, so
            // only a checkpoint that no commit runs puts them into the database file
            for (int i = 0; i < 100; i++) {
                db.write(tx -> tx.insert("INSERT INTO t (x) VALUES (randomblob(12000))"));
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (Files.size(file) < before + 1_000_000 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(Files.size(file)).isGreaterThan(before + 1_000_000);
            // a commit still checkpoints once the log is this long, whatever became of the background thread
            long bound = db.write(tx -> tx.get("PRAGMA wal_autocheckpoint").map(row -> Rows.integer(row, "wal_autocheckpoint"))
                    .orElseThrow());
            assertThat(bound).isEqualTo(SqliteDatabase.WAL_PAGES_MOST);
        }
        assertThat(Thread.getAllStackTraces().keySet()).as("the checkpoint thread ends with its database")
                .noneMatch(t -> t.getName().equals("sqlite-checkpoint " + file.toAbsolutePath().normalize()) && t.isAlive());
    }
}
