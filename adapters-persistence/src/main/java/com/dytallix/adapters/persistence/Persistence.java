package com.dytallix.adapters.persistence;

import com.dytallix.domain.maintenance.DatabaseBackups;
import com.dytallix.domain.maintenance.DatabaseMaintenance;
import com.dytallix.domain.admission.BlockList;
import com.dytallix.domain.admission.ChallengeStore;
import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.grant.GrantLedger;
import com.dytallix.domain.grant.GrantNotices;
import com.dytallix.domain.key.KeyRotationLog;
import com.dytallix.domain.payer.InternalTransfers;
import com.dytallix.domain.payer.PayerLeases;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The one place that turns configuration into a store: {@code DATABASE_URL} unset → SQLite at
 * {@code DB_PATH} (the zero-configuration default), {@code postgresql://…} → PostgreSQL. It hands
 * out every port the server needs over that store, plus its health, migrations, its backups and the
 * lock that tells maintenance commands whether an instance runs.
 */
public final class Persistence implements AutoCloseable {
    /**
     * How often the block list and the pause state held in memory are checked against the database:
     * what another instance changes applies here within this time (this instance's own changes at once).
     */
    static final Duration SHARED_STATE_REFRESH = Duration.ofMillis(500);

    private final Database database;
    private final String location;
    private final SqlGrantLedger ledger;
    private final FaucetControls controls;
    private final KeyRotationLog rotations;
    private final PayerLeases leases;
    private final InternalTransfers transfers;
    private final BlockList blocks;
    private final ChallengeStore challenges;
    private final DatabaseMaintenance maintenance;
    private final GrantNotices notices;

    private Persistence(Database database, String location, DatabaseMaintenance maintenance) {
        this.database = database;
        this.location = location;
        this.ledger = new SqlGrantLedger(database);
        this.controls = new SqlFaucetControls(database, SHARED_STATE_REFRESH);
        this.rotations = new SqlKeyRotationLog(database);
        this.leases = new SqlPayerLeases(database);
        this.transfers = new SqlInternalTransfers(database);
        this.blocks = new SqlBlockList(database, SHARED_STATE_REFRESH);
        this.challenges = new SqlChallengeStore(database, SHARED_STATE_REFRESH);
        this.maintenance = maintenance;
        // instances on one SQLite file share a host, not a notice channel: their requests read the ledger themselves
        this.notices = database instanceof PostgresDatabase postgres ? new PostgresGrantNotices(postgres) : GrantNotices.NONE;
    }

    /**
     * Checks a DATABASE_URL without connecting.
     *
     * @throws IllegalArgumentException saying what is wrong, never repeating the password
     */
    public static void checkUrl(String databaseUrl) {
        PostgresUrl.parse(databaseUrl);
    }

    /** Opens the store the configuration names (SQLite creates its file and directory when missing). */
    public static Persistence open(Optional<String> databaseUrl, Path dbPath) {
        if (databaseUrl.isPresent()) {
            PostgresUrl url = PostgresUrl.parse(databaseUrl.get());
            PostgresDatabase db = PostgresDatabase.open(url);
            return new Persistence(db, url.masked(), new SqlMaintenance(db));
        }
        SqliteDatabase db = SqliteDatabase.open(dbPath);
        return new Persistence(db, dbPath.toString(), new SqlMaintenance(db));
    }

    /**
     * Takes the instance lock of the store the configuration names: shared for a server (several
     * may run), exclusive for a command that must be alone ({@code restore}, {@code migrate}, or a
     * server on the embedded dev chain).
     *
     * @throws ServerLock.ServerRunningException      exclusive, while an instance runs
     * @throws ServerLock.MaintenanceRunningException shared, while a maintenance command runs
     */
    public static InstanceLock lock(Optional<String> databaseUrl, Path dbPath, boolean shared) {
        if (databaseUrl.isPresent()) {
            return PostgresLock.take(PostgresUrl.parse(databaseUrl.get()), shared);
        }
        return shared ? ServerLock.shared(dbPath) : ServerLock.exclusive(dbPath);
    }

    /** Whether {@link #lock} failed because a server holds the database (not a maintenance command). */
    public static boolean heldByAServer(RuntimeException failure) {
        return failure instanceof ServerLock.ServerRunningException;
    }

    /**
     * The backups of the store the configuration names, kept in {@code backupDir} (the newest {@code
     * keep}): SQLite's online snapshots as tar.gz archives the runbook's {@code tar} restores, or
     * PostgreSQL's {@code pg_dump} files. Nothing is opened until a backup is taken or restored, so a
     * restore never runs under a handle of its own on the database it replaces.
     */
    public static DatabaseBackups backups(Optional<String> databaseUrl, Path dbPath, Path backupDir, int keep) {
        return databaseUrl.isPresent() ? new PostgresBackups(PostgresUrl.parse(databaseUrl.get()), backupDir, keep)
                : new SqliteBackups(dbPath, backupDir, keep);
    }

    /** Where the data lives, as it may be shown: the SQLite file, or the PostgreSQL URL with its password masked. */
    public String location() {
        return location;
    }

    public boolean isPostgres() {
        return database instanceof PostgresDatabase;
    }

    public GrantLedger ledger() {
        return ledger;
    }

    /** How the instances on this database tell each other that grants were admitted or moved (PostgreSQL only). */
    public GrantNotices notices() {
        return notices;
    }

    public FaucetControls controls() {
        return controls;
    }

    public KeyRotationLog rotations() {
        return rotations;
    }

    public PayerLeases leases() {
        return leases;
    }

    public InternalTransfers transfers() {
        return transfers;
    }

    public BlockList blocks() {
        return blocks;
    }

    public ChallengeStore challenges() {
        return challenges;
    }

    /**
     * The secret every instance on this database shares for proof-of-work challenge ids (made once
     * by the migration that created it). Read after {@link #migrate()}.
     */
    public byte[] challengeKey() {
        return HexFormat.of().parseHex(database.read(db -> db.get("SELECT key_hex FROM challenge_key WHERE id = 1")
                .map(row -> Rows.text(row, "key_hex"))).orElseThrow(() -> new IllegalStateException("no challenge key: migrate first")));
    }

    public DatabaseMaintenance maintenance() {
        return maintenance;
    }

    public boolean isHealthy() {
        return database.isHealthy();
    }

    public boolean isMigrated() {
        return database.isMigrated();
    }

    /**
     * Applies every migration the database lacks.
     *
     * @return the migrations applied now
     * @throws MigrationException when an applied migration changed or the database is newer than this server
     */
    public List<Migrations.Migration> migrate() {
        return new Migrations(database).migrate();
    }

    public int schemaVersion() {
        return new Migrations(database).latestVersion();
    }

    /**
     * Starts the thread that writes the request fingerprints held in memory every {@code every}, and
     * sooner when a batch is held (the server does; commands need not).
     */
    public void startFingerprintWriter(Duration every) {
        ledger.startFingerprintWriter(every);
    }

    /** Request fingerprints dropped since start because the database did not keep up with them. */
    public long fingerprintsDropped() {
        return ledger.fingerprintsDropped();
    }

    /** Closes the store cleanly (fingerprints written; SQLite: optimized, checkpointed, no lock or log left). */
    @Override
    public void close() {
        try {
            if (notices instanceof PostgresGrantNotices postgres) {
                postgres.close();
            }
            ledger.close();
        } finally {
            database.close();
        }
    }
}
