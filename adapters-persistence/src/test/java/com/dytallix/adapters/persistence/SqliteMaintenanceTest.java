package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.GrantLedger.PruneResult;
import com.dytallix.domain.grant.TestAdmission;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.key.KeyRotation;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteMaintenanceTest {
    private static final Instant AT = Instant.parse("2026-03-01T12:34:56Z");
    private static final Address A = new Address("0x000000000000000000000000000000000000000a");
    private static final Address B = new Address("0x000000000000000000000000000000000000000b");
    private static final Address C = new Address("0x000000000000000000000000000000000000000c");

    @TempDir
    Path dir;

    @Test
    void aBackupTakenUnderLoadRestoresWithTheRunbooksTarAndHoldsEveryEarlierRow() throws Exception {
        Path file = dir.resolve("data/dytallix.db");
        ConcurrentLinkedQueue<GrantId> committed = new ConcurrentLinkedQueue<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger next = new AtomicInteger();
        Path archive;
        List<GrantId> beforeBackup;
        try (SqliteDatabase db = SqliteDatabase.open(file)) {
            new Migrations(db).migrate();
            SqlGrantLedger ledger = new SqlGrantLedger(db);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                writers.add(pool.submit(() -> {
                    while (writing.get()) {
                        Reservation r = TestAdmission.reserve(ledger, new Address("0x%040x".formatted(next.incrementAndGet())), ClientIp.parse("10.0.0.1"), Wei.ofDyt("10"), Instant.now());
                        committed.add(((Reservation.Reserved) r).grant().id());
                    }
                    return null;
                }));
            }
            waitFor(() -> committed.size() >= 100);
            beforeBackup = List.copyOf(committed);
            archive = backup(file);
            int atBackup = committed.size();
            waitFor(() -> committed.size() >= atBackup + 100);
            writing.set(false);
            for (Future<?> writer : writers) {
                writer.get();
            }
            pool.shutdown();
        }

        assertThat(archive).isEqualTo(dir.resolve("backups/dytallix-backup-20260301_123456.tar.gz"));
        assertThat(run("tar", "-tzf", archive.toString())).isEqualTo("dytallix.db\ndytallix.db-wal\n");
        Path restored = Files.createDirectories(dir.resolve("restored"));
        run("tar", "-xzf", archive.toString(), "-C", restored + "/");

        try (SqliteDatabase db = SqliteDatabase.open(restored.resolve("dytallix.db"))) {
            assertThat(db.isMigrated()).isTrue();
            SqlGrantLedger ledger = new SqlGrantLedger(db);
            assertThat(beforeBackup).allSatisfy(id -> assertThat(ledger.find(id)).isPresent());
            long rows = TestSql.number(db, "SELECT COUNT(*) AS n FROM faucet_grants");
            assertThat(rows).isGreaterThanOrEqualTo(beforeBackup.size()).isLessThan(committed.size());
            assertThat(TestSql.text(db, "SELECT integrity_check AS t FROM pragma_integrity_check")).isEqualTo("ok");
        }
    }

    /**
     * The runbook's restore after a crash: the server died (kill -9, power loss) and left its log in data/;
     * the operator extracts a backup over the database with {@code tar -xzf … -C data/} and starts. SQLite
     * replays a log it finds beside a database into it, so without the archive's empty log the "restored"
     * file came back with the crashed database's newer rows.
     */
    @Test
    void theRunbooksTarRestoreAfterACrashIsTheBackupNotTheCrashedDatabasesLog() throws Exception {
        Path file = migratedDatabase();
        KeyRotation first = new KeyRotation(A, B, AT);
        record(file, first);
        Path archive = backup(file);
        Path crashLog = dir.resolve("crash.db-wal");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
             java.sql.Statement st = c.createStatement()) {
            st.execute("PRAGMA wal_autocheckpoint=0");
            st.execute("INSERT INTO key_rotations (previous_address, new_address, rotated_at) SELECT new_address, '"
                    + C.value() + "', rotated_at FROM key_rotations");
            // what a server killed now leaves behind: the log with the newer rows (closing would checkpoint it)
            Files.copy(Path.of(file + "-wal"), crashLog);
        }
        assertThat(Files.size(crashLog)).isPositive();
        Files.copy(crashLog, Path.of(file + "-wal"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        run("tar", "-xzf", archive.toString(), "-C", file.getParent() + "/");

        try (SqliteDatabase db = SqliteDatabase.open(file)) {
            assertThat(new SqlKeyRotationLog(db).last()).contains(first);
            assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM key_rotations")).isEqualTo(1);
            assertThat(TestSql.text(db, "SELECT integrity_check AS t FROM pragma_integrity_check")).isEqualTo("ok");
        }
    }

    /**
     * The runbook's restore typed in a root shell: root's tar gives each file the owner its archive entry
     * names. The entries named root (uid 0), so the restored database was root's and the service user's
     * server could not open it; they name the database file's owner now.
     */
    @Test
    void theRunbooksTarRestoreAsRootLeavesTheDatabaseToItsOwner() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root (chown, tar's --same-owner)");
        Path file = migratedDatabase();
        Files.setAttribute(file, "unix:uid", 4321);
        Files.setAttribute(file, "unix:gid", 4322);
        Path archive = backup(file);
        Path restored = Files.createDirectories(dir.resolve("restored"));

        run("tar", "-xzf", archive.toString(), "-C", restored + "/");

        for (String name : List.of("dytallix.db", "dytallix.db-wal")) {
            assertThat(Files.getAttribute(restored.resolve(name), "unix:uid")).as(name).isEqualTo(4321);
            assertThat(Files.getAttribute(restored.resolve(name), "unix:gid")).as(name).isEqualTo(4322);
        }
    }

    /** The checked restore run as root (instead of as the service user) keeps the replaced file's owner. */
    @Test
    void restoreAsRootKeepsTheReplacedDatabasesOwner() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root (chown)");
        Path file = migratedDatabase();
        Path archive = backup(file);
        Files.setAttribute(file, "unix:uid", 4321);
        Files.setAttribute(file, "unix:gid", 4322);

        backups(file).restore(archive.toString());

        assertThat(Files.getAttribute(file, "unix:uid")).isEqualTo(4321);
        assertThat(Files.getAttribute(file, "unix:gid")).isEqualTo(4322);
    }

    @Test
    void onlyTheNewestBackupsAreKept() throws Exception {
        Path file = migratedDatabase();
        Path backups = dir.resolve("backups");
        Files.createDirectories(backups);
        Files.writeString(backups.resolve("notes.txt"), "keep me");
        Files.writeString(backups.resolve("manual-backup-20200101_000000.tar.gz"), "an operator's own");
        SqliteBackups keepingThree = new SqliteBackups(file, backups, 3);

        for (int day = 0; day < 5; day++) {
            keepingThree.backup(AT.plus(Duration.ofDays(day)));
        }

        try (Stream<Path> files = Files.list(backups)) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted()).containsExactly(
                    "dytallix-backup-20260303_123456.tar.gz",
                    "dytallix-backup-20260304_123456.tar.gz",
                    "dytallix-backup-20260305_123456.tar.gz",
                    "manual-backup-20200101_000000.tar.gz",
                    "notes.txt");
        }
    }

    @Test
    void aBackupNeedsADatabase() {
        assertThatThrownBy(() -> new SqliteBackups(dir.resolve("none.db"), dir.resolve("b"), 3).backup(AT))
                .isInstanceOf(MaintenanceException.class).hasMessage("no database at " + dir.resolve("none.db") + "; nothing to back up");
        assertThat(dir.resolve("none.db")).doesNotExist();
    }

    @Test
    void restoreBringsBackTheBackedUpDatabaseAndDropsTheOldLog() throws Exception {
        Path file = migratedDatabase();
        KeyRotation first = new KeyRotation(A, B, AT);
        record(file, first);
        Path archive = backup(file);
        record(file, new KeyRotation(B, C, AT.plusSeconds(60)));
        Files.writeString(Path.of(file + "-wal"), "stale");
        Files.writeString(Path.of(file + "-shm"), "stale");

        backups(file).restore(archive.toString());

        assertThat(Path.of(file + "-wal")).doesNotExist();
        assertThat(Path.of(file + "-shm")).doesNotExist();
        try (SqliteDatabase db = SqliteDatabase.open(file)) {
            assertThat(new SqlKeyRotationLog(db).last()).contains(first);
        }
    }

    @Test
    void restoreTakesTheRunbooksManualBackupWhichHoldsDataSlashDytallixDb() throws Exception {
        Path file = migratedDatabase();
        KeyRotation first = new KeyRotation(A, B, AT);
        record(file, first);
        // the shared runbook's manual backup, run in the working directory: the archive holds data/dytallix.db
        Files.createDirectories(dir.resolve("backups"));
        Path manual = dir.resolve("backups/manual-backup-20261130_230000.tar.gz");
        run("tar", "-czf", manual.toString(), "-C", dir.toString(), "data/dytallix.db");
        assertThat(run("tar", "-tzf", manual.toString()).strip()).isEqualTo("data/dytallix.db");
        record(file, new KeyRotation(B, C, AT.plusSeconds(60)));

        backups(file).restore(manual.toString());

        try (SqliteDatabase db = SqliteDatabase.open(file)) {
            assertThat(new SqlKeyRotationLog(db).last()).contains(first);
        }
    }

    @Test
    void restoreIsRefusedWhileTheServerHoldsTheDatabase() throws Exception {
        Path file = migratedDatabase();
        Path archive = backup(file);
        byte[] before = Files.readAllBytes(file);

        try (ServerLock ignored = ServerLock.shared(file)) {
            assertThatThrownBy(() -> backups(file).restore(archive.toString()))
                    .isInstanceOf(ServerLock.ServerRunningException.class)
                    .hasMessage("the server is running (" + file + ".lock is held); stop every instance first");
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void theLockFileIsTheOwnersAloneEvenWhenAnEarlierVersionLeftItOpen() throws Exception {
        Path fresh = dir.resolve("fresh/dytallix.db");
        try (ServerLock ignored = ServerLock.shared(fresh)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ServerLock.lockFile(fresh))))
                    .isEqualTo("rw-------");
        }
        Path old = dir.resolve("old/dytallix.db");
        Files.createDirectories(old.getParent());
        Files.createFile(ServerLock.lockFile(old), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        try (ServerLock ignored = ServerLock.exclusive(old)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ServerLock.lockFile(old))))
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void theLockMessageNamesTheLockFileAsConfigured() {
        Path relative = Path.of("target", "lock-test-" + System.nanoTime(), "dytallix.db");
        try (ServerLock ignored = ServerLock.shared(relative)) {
            assertThatThrownBy(() -> ServerLock.exclusive(relative))
                    .hasMessage("the server is running (" + relative + ".lock is held); stop every instance first");
        }
        // released: a maintenance command may run
        ServerLock.exclusive(relative).close();
    }

    @Test
    void severalServersShareTheDatabaseAndAMaintenanceCommandWaitsForTheLastOfThem() {
        Path file = dir.resolve("shared/dytallix.db");
        ServerLock first = ServerLock.shared(file);
        ServerLock second = ServerLock.shared(file);

        first.close();
        assertThatThrownBy(() -> ServerLock.exclusive(file)).isInstanceOf(ServerLock.ServerRunningException.class);
        second.close();
        try (ServerLock maintenance = ServerLock.exclusive(file)) {
            assertThatThrownBy(() -> ServerLock.shared(file)).isInstanceOf(ServerLock.MaintenanceRunningException.class);
        }
        ServerLock.shared(file).close();
    }

    @Test
    void restoreRefusesAnythingButAnIntactDatabase() throws Exception {
        Path file = migratedDatabase();
        byte[] before = Files.readAllBytes(file);
        SqliteBackups maintenance = backups(file);

        assertThatThrownBy(() -> maintenance.restore(dir.resolve("missing.tar.gz").toString()))
                .isInstanceOf(MaintenanceException.class).hasMessage("no backup archive at " + dir.resolve("missing.tar.gz"));

        Path notAnArchive = dir.resolve("random.tar.gz");
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        Files.write(notAnArchive, noise);
        assertThatThrownBy(() -> maintenance.restore(notAnArchive.toString()))
                .isInstanceOf(MaintenanceException.class).hasMessageContaining("cannot read the backup");

        Path garbage = archiveOf("dytallix.db", noise);
        assertThatThrownBy(() -> maintenance.restore(garbage.toString()))
                .isInstanceOf(MaintenanceException.class).hasMessageContaining("cannot be opened");

        Path wrongName = archiveOf("other.db", before);
        assertThatThrownBy(() -> maintenance.restore(wrongName.toString()))
                .isInstanceOf(MaintenanceException.class).hasMessageContaining("holds no dytallix.db (neither at its root");

        Path two = dir.resolve("two");
        Files.createDirectories(two.resolve("data"));
        Files.createDirectories(two.resolve("old"));
        Files.write(two.resolve("data/dytallix.db"), before);
        Files.write(two.resolve("old/dytallix.db"), before);
        Path several = dir.resolve("several.tar.gz");
        run("tar", "-czf", several.toString(), "-C", two.toString(), "data/dytallix.db", "old/dytallix.db");
        assertThatThrownBy(() -> maintenance.restore(several.toString()))
                .isInstanceOf(MaintenanceException.class).hasMessageContaining("holds several databases (data/dytallix.db, old/dytallix.db)");

        Path damaged = archiveOf("dytallix.db", damagedCopy(file));
        assertThatThrownBy(() -> maintenance.restore(damaged.toString())).isInstanceOf(MaintenanceException.class);

        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        try (Stream<Path> left = Files.list(file.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith(".dytallix-restore"));
        }
    }

    @Test
    void pruneAndOptimizeWorkOnTheFile() {
        Path file = migratedDatabase();
        try (SqliteDatabase db = SqliteDatabase.open(file)) {
            SqlGrantLedger ledger = new SqlGrantLedger(db);
            GrantId old = ((Reservation.Reserved) TestAdmission.reserve(ledger, A, ClientIp.parse("10.0.0.1"), Wei.ofDyt("1"), AT)).grant().id();
            ledger.markFailed(old, "x", AT);
            new SqlFaucetControls(db, Persistence.SHARED_STATE_REFRESH).audit(new com.dytallix.domain.faucet.AuditEntry(AT, "pause", ClientIp.parse("::1"), "ok", ""));

            SqlMaintenance maintenance = new SqlMaintenance(db);
            assertThat(maintenance.prune(AT.plusSeconds(1), AT)).isEqualTo(new PruneResult(1, 0));
            assertThat(maintenance.pruneAudit(AT)).isZero();
            assertThat(maintenance.pruneAudit(AT.plusSeconds(1))).isEqualTo(1);
            maintenance.optimize();
        }
    }

    private SqliteBackups backups(Path file) {
        return new SqliteBackups(file, dir.resolve("backups"), 7);
    }

    /** A backup of {@code file} into the test's backups/ at AT. */
    private Path backup(Path file) {
        return Path.of(backups(file).backup(AT));
    }

    private Path migratedDatabase() {
        Path file = dir.resolve("data/dytallix.db");
        try (SqliteDatabase db = SqliteDatabase.open(file)) {
            new Migrations(db).migrate();
        }
        return file;
    }

    private static void record(Path file, KeyRotation rotation) {
        try (SqliteDatabase db = SqliteDatabase.open(file)) {
            new SqlKeyRotationLog(db).record(rotation);
        }
    }

    /** A copy of the database with one b-tree page overwritten. */
    private Path damagedCopy(Path file) throws IOException {
        Path copy = dir.resolve("damaged/dytallix.db");
        Files.createDirectories(copy.getParent());
        Files.copy(file, copy);
        try (RandomAccessFile raw = new RandomAccessFile(copy.toFile(), "rw")) {
            int pageSize = 4096;
            raw.seek(pageSize * 2L);
            byte[] junk = new byte[pageSize];
            new Random(2).nextBytes(junk);
            raw.write(junk);
        }
        return copy;
    }

    private Path archiveOf(String entry, byte[] content) throws Exception {
        Path source = Files.createTempDirectory(dir, "src");
        Files.write(source.resolve(entry), content);
        return archiveOf(entry, source.resolve(entry));
    }

    private Path archiveOf(String entry, Path content) throws Exception {
        Path source = Files.createTempDirectory(dir, "src");
        Files.copy(content, source.resolve(entry));
        Path archive = Files.createTempFile(dir, "archive", ".tar.gz");
        run("tar", "-czf", archive.toString(), "-C", source.toString(), entry);
        return archive;
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited too long").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
