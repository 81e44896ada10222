package com.dytallix.adapters.persistence;

import com.dytallix.domain.maintenance.DatabaseBackups;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * Backups of a PostgreSQL database: PostgreSQL's own custom dumps
 * ({@code backupDir/dytallix-backup-<UTC yyyyMMdd_HHmmss>.dump}, the newest {@code keep} kept) made by
 * {@code pg_dump} and put back by {@code pg_restore}, which must be installed (of the server's major
 * version or newer); when they are not, the command says exactly what to run (the password as
 * {@code $PGPASSWORD}, never in the text). A backup is named by its file path.
 */
final class PostgresBackups implements DatabaseBackups {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC);
    private static final Pattern DUMP = Pattern.compile("dytallix-backup-\\d{8}_\\d{6}\\.dump");

    private final PostgresUrl url;
    private final Path backupDir;
    private final int keep;

    PostgresBackups(PostgresUrl url, Path backupDir, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, so the new backup survives");
        }
        this.url = url;
        this.backupDir = backupDir;
        this.keep = keep;
    }

    @Override
    public String backup(Instant at) {
        Path dump = backupDir.resolve("dytallix-backup-" + STAMP.format(at) + ".dump");
        List<String> command = new ArrayList<>(List.of("pg_dump", "--format=custom", "--no-owner", "--file", dump.toString()));
        command.addAll(connection());
        command.add(url.database());
        try {
            Files.createDirectories(backupDir);
            // pg_dump writes into the file as it finds it: created 0600, the dump is the owner's alone
            Files.deleteIfExists(dump);
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(dump, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
        } catch (IOException e) {
            throw new MaintenanceException("cannot create " + dump + ": " + e.getMessage(), e);
        }
        try {
            run(command, "back up");
        } catch (MaintenanceException e) {
            deleteQuietly(dump);
            throw e;
        }
        keepNewest();
        return dump.toString();
    }

    @Override
    public void restore(String backup) {
        Path dump = Path.of(backup);
        if (!Files.isRegularFile(dump)) {
            throw new MaintenanceException("no backup archive at " + dump);
        }
        List<String> command = new ArrayList<>(List.of("pg_restore", "--clean", "--if-exists", "--no-owner",
                "--single-transaction"));
        command.addAll(connection());
        command.addAll(List.of("--dbname", url.database(), dump.toString()));
        // never under a running instance: it would keep writing into the tables being replaced
        try (InstanceLock alone = PostgresLock.take(url, false)) {
            run(command, "restore");
        }
    }

    private List<String> connection() {
        return List.of("--host", url.host(), "--port", Integer.toString(url.port()), "--username", url.user());
    }

    /** Runs a PostgreSQL client program with the password in its environment; says what to run when it is not installed. */
    private void run(List<String> command, String what) {
        String shown = (url.password().isEmpty() ? "" : "PGPASSWORD=<the password> ") + String.join(" ", command);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (!url.password().isEmpty()) {
            builder.environment().put("PGPASSWORD", url.password());
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException notInstalled) {
            throw new MaintenanceException(command.getFirst() + " is not installed here; to " + what + " run: " + shown,
                    notInstalled);
        }
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(1, TimeUnit.HOURS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new MaintenanceException(command.getFirst() + " failed (" + url.mask(output) + "); the command was: " + shown);
            }
        } catch (IOException e) {
            throw new MaintenanceException("cannot read " + command.getFirst() + "'s output: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MaintenanceException("interrupted while " + command.getFirst() + " ran", e);
        }
    }

    private void keepNewest() {
        try (Stream<Path> files = Files.list(backupDir)) {
            List<Path> dumps = files.filter(p -> DUMP.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
            for (Path old : dumps.subList(Math.min(keep, dumps.size()), dumps.size())) {
                Files.deleteIfExists(old);
            }
        } catch (IOException e) {
            throw new MaintenanceException("cannot prune old backups in " + backupDir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // an empty file named like a backup: the failure above is what the operator needs to read
        }
    }
}
