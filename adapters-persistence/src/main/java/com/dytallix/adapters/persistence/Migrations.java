package com.dytallix.adapters.persistence;

import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Versioned schema migrations: SQL files {@code db/migration/V<nnn>__<description>.sql} on the
 * classpath (PostgreSQL's forms of the same migrations under {@code db/migration/postgres/}), applied in version order, each in its own transaction, and recorded with the SHA-256
 * of the file in {@code schema_migrations}. An applied file that changed since, or a database newer
 * than this server, is refused rather than guessed at.
 *
 * <p>Scripts hold one statement per {@code ;} at a line end; a statement with a {@code BEGIN} line
 * (SQLite's trigger body) runs to its {@code END;} line, and a {@code $$}-quoted body (a PostgreSQL
 * function) to the line that closes the quote. Comments are whole lines starting with {@code --}.
 */
public final class Migrations {
    /** Every migration this server knows, oldest first; a new file must be added here too, in both dialects. */
    static final List<String> FILES = List.of("V001__initial_schema.sql", "V002__payer_lease.sql", "V003__block_hash.sql",
            "V004__admission_rules.sql", "V005__confirmed_once.sql", "V006__internal_transfers.sql", "V007__quota_releases.sql",
            "V008__paid_per_minute.sql", "V009__admitted_at.sql", "V010__grant_indexes.sql",
            "V011__fingerprint_indexes.sql", "V012__challenge_ids.sql", "V013__fingerprint_client_index.sql",
            "V014__ledger_chain.sql", "V015__internal_transfer_replacements.sql");

    private static final Pattern NAME = Pattern.compile("V(\\d+)__(\\w+)\\.sql");
    /**
     * The files of each location ({@link Dialect#migrations()}), read, hashed and split once per
     * process: readiness asks {@link #isUpToDate()} at every probe, and reading them anew made each
     * {@code /readyz} cost 10-40 ms.
     */
    private static final Map<String, List<Migration>> KNOWN = new ConcurrentHashMap<>();

    private final Database database;
    private final List<Migration> known;

    public Migrations(Database database) {
        this.database = database;
        this.known = KNOWN.computeIfAbsent(database.dialect().migrations(),
                location -> FILES.stream().map(file -> load(location, file)).toList());
    }

    /** One migration file. */
    public record Migration(int version, String description, String checksum, List<String> statements) {
        public String name() {
            return "V%03d__%s".formatted(version, description);
        }
    }

    /** The highest schema version this server knows. */
    public int latestVersion() {
        return known.getLast().version();
    }

    /**
     * Applies every migration the database lacks, in order.
     *
     * @return the versions applied now (empty when the schema was already current)
     * @throws MigrationException when an applied migration changed or the database is newer than this server
     */
    public List<Migration> migrate() {
        database.write(tx -> tx.dml("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version     INTEGER PRIMARY KEY,
                    description TEXT NOT NULL,
                    checksum    TEXT NOT NULL,
                    applied_at  %s NOT NULL
                )""".formatted(database.dialect().timeType())));
        verify(applied());
        List<Migration> appliedNow = new ArrayList<>();
        for (Migration migration : known) {
            boolean ran = database.write(tx -> apply(tx, migration));
            if (ran) {
                appliedNow.add(migration);
            }
        }
        return List.copyOf(appliedNow);
    }

    /** True when every known migration is applied unchanged and nothing newer is. */
    boolean isUpToDate() {
        boolean tracked = database.read(db -> db.get(database.dialect().migrationsTableExists()).isPresent());
        if (!tracked) {
            return false;
        }
        Map<Integer, String> applied = applied();
        try {
            verify(applied);
        } catch (MigrationException e) {
            return false;
        }
        return applied.size() == known.size();
    }

    private boolean apply(DbTransaction tx, Migration migration) {
        // Checked inside the write transaction: another process may have migrated meanwhile.
        if (tx.get("SELECT 1 FROM schema_migrations WHERE version = ?", migration.version()).isPresent()) {
            return false;
        }
        for (String statement : migration.statements()) {
            tx.dml(statement);
        }
        tx.insert("INSERT INTO schema_migrations (version, description, checksum, applied_at) VALUES (?, ?, ?, ?)",
                migration.version(), migration.description(), migration.checksum(), Timestamps.now());
        return true;
    }

    private Map<Integer, String> applied() {
        return database.read(db -> {
            try (Stream<DbRow> rows = db.query("SELECT version, checksum FROM schema_migrations ORDER BY version")) {
                return rows.collect(Collectors.toMap(
                        row -> Rows.integer(row, "version").intValue(),
                        row -> Rows.text(row, "checksum"),
                        (a, b) -> a,
                        TreeMap::new));
            }
        });
    }

    private void verify(Map<Integer, String> applied) {
        int latest = latestVersion();
        applied.keySet().stream().max(Integer::compare).filter(v -> v > latest).ifPresent(v -> {
            throw new MigrationException("database schema version " + v + " is newer than this server (" + latest
                    + "); upgrade the server or restore a backup");
        });
        for (Map.Entry<Integer, String> entry : applied.entrySet()) {
            Migration migration = known.stream().filter(m -> m.version() == entry.getKey()).findFirst()
                    .orElseThrow(() -> new MigrationException("database has schema migration version " + entry.getKey()
                            + " that this server does not know; upgrade the server or restore a backup"));
            if (!migration.checksum().equals(entry.getValue())) {
                throw new MigrationException("migration " + migration.name() + " changed after it was applied"
                        + " (checksum " + entry.getValue() + " in the database, " + migration.checksum()
                        + " in this server); restore the original migration file or a backup");
            }
        }
    }

    static Migration load(String location, String file) {
        Matcher name = NAME.matcher(file);
        if (!name.matches()) {
            throw new IllegalStateException("migration file name must look like V001__description.sql: " + file);
        }
        byte[] bytes;
        try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(location + file)) {
            if (in == null) {
                throw new IllegalStateException("migration " + location + file + " is not on the classpath");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read migration " + file, e);
        }
        return new Migration(Integer.parseInt(name.group(1)), name.group(2), sha256(bytes),
                statements(new String(bytes, StandardCharsets.UTF_8)));
    }

    static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean body = false;
        boolean quoted = false;
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            body |= !quoted && trimmed.equalsIgnoreCase("BEGIN");
            quoted ^= (line.split("\\$\\$", -1).length - 1) % 2 == 1;
            if (!quoted && (body ? trimmed.equalsIgnoreCase("END;") : trimmed.endsWith(";"))) {
                body = false;
                String statement = current.toString().strip();
                statements.add(statement.substring(0, statement.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            throw new IllegalStateException("migration script ends without ';': " + current.toString().strip());
        }
        return List.copyOf(statements);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
