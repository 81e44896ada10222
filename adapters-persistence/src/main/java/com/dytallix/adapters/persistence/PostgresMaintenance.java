package com.dytallix.adapters.persistence;

import com.dytallix.domain.maintenance.DatabaseMaintenance;
import com.dytallix.domain.grant.GrantLedger.PruneResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Backup, restore, retention and statistics for PostgreSQL. Backups are PostgreSQL's own custom
 * dumps ({@code backups/dytallix-backup-<UTC yyyyMMdd_HHmmss>.dump}) made by {@code pg_dump} and
 * restored by {@code pg_restore} when those are installed; when they are not, the command says
 * exactly what to run (the password as {@code $PGPASSWORD}, never in the text).
 */
final class PostgresMaintenance implements DatabaseMaintenance {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC);
    private static final Pattern DUMP = Pattern.compile("dytallix-backup-\\d{8}_\\d{6}\\.dump");

    private final PostgresDatabase database;

    PostgresMaintenance(PostgresDatabase database) {
        this.database = database;
    }

    @Override
    public Path backup(Path backupDir, int keep, Instant at) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, so the new backup survives");
        }
        Path dump = backupDir.resolve("dytallix-backup-" + STAMP.format(at) + ".dump");
        List<String> command = new ArrayList<>(List.of("pg_dump", "--format=custom", "--no-owner", "--file", dump.toString()));
        command.addAll(connection());
        command.add(database.url().database());
        try {
            Files.createDirectories(backupDir);
        } catch (IOException e) {
            throw new MaintenanceException("cannot create " + backupDir + ": " + e.getMessage(), e);
        }
        run(command, "back up");
        keepNewest(backupDir, keep);
        return dump;
    }

    @Override
    public void restore(Path archive, Path ignoredDbPath) {
        List<String> command = new ArrayList<>(List.of("pg_restore", "--clean", "--if-exists", "--no-owner",
                "--single-transaction"));
        command.addAll(connection());
        command.addAll(List.of("--dbname", database.url().database(), archive.toString()));
        run(command, "restore");
    }

    @Override
    public PruneResult prune(Instant grantsBefore, Instant fingerprintsBefore) {
        return new SqlGrantLedger(database).prune(grantsBefore, fingerprintsBefore);
    }

    @Override
    public int pruneAudit(Instant before) {
        return new SqlFaucetControls(database, Persistence.SHARED_STATE_REFRESH).pruneAudit(before);
    }

    @Override
    public void optimize() {
        database.optimize();
    }

    private List<String> connection() {
        PostgresUrl url = database.url();
        return List.of("--host", url.host(), "--port", Integer.toString(url.port()), "--username", url.user());
    }

    /** Runs a PostgreSQL client program with the password in its environment; says what to run when it is not installed. */
    private void run(List<String> command, String what) {
        String shown = (database.url().password().isEmpty() ? "" : "PGPASSWORD=<the password> ") + String.join(" ", command);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (!database.url().password().isEmpty()) {
            builder.environment().put("PGPASSWORD", database.url().password());
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException notInstalled) {
            throw new MaintenanceException(command.getFirst() + " is not installed here; to " + what + " run: " + shown,
                    notInstalled);
        }
        try {
            String output = new String(process.getInputStream().readAllBytes()).strip();
            if (!process.waitFor(1, TimeUnit.HOURS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new MaintenanceException(command.getFirst() + " failed (" + database.url().mask(output) + "); the command was: "
                        + shown);
            }
        } catch (IOException e) {
            throw new MaintenanceException("cannot read " + command.getFirst() + "'s output: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MaintenanceException("interrupted while " + command.getFirst() + " ran", e);
        }
    }

    private static void keepNewest(Path dir, int keep) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> dumps = files.filter(p -> DUMP.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
            for (Path old : dumps.subList(Math.min(keep, dumps.size()), dumps.size())) {
                Files.deleteIfExists(old);
            }
        } catch (IOException e) {
            throw new MaintenanceException("cannot prune old backups in " + dir + ": " + e.getMessage(), e);
        }
    }
}
