package com.dytallix.adapters.persistence;

import com.dytallix.domain.maintenance.DatabaseBackups;
import io.helidon.dbclient.DbRow;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Backups of the SQLite file at {@code dbPath}: {@code backupDir/dytallix-backup-<UTC
 * yyyyMMdd_HHmmss>.tar.gz} archives holding {@code dytallix.db} at their root, and an empty
 * {@code dytallix.db-wal} (so the runbook's {@code tar -xzf … -C data/} restores one too, also over a
 * log a crashed server left), the newest {@code keep} kept; a backup is named by
 * its file path. A restore also takes the runbook's manual backup, which holds {@code data/dytallix.db}. Each operation opens its own short-lived handle on the file, so a backup is taken
 * beside running servers; a restore refuses while any runs.
 */
final class SqliteBackups implements DatabaseBackups {
    private static final System.Logger LOG = System.getLogger(SqliteBackups.class.getName());
    static final String ENTRY = "dytallix.db";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC);
    private static final Pattern ARCHIVE = Pattern.compile("dytallix-backup-\\d{8}_\\d{6}\\.tar\\.gz");

    private final Path dbPath;
    private final Path backupDir;
    private final int keep;

    SqliteBackups(Path dbPath, Path backupDir, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, so the new backup survives");
        }
        this.dbPath = dbPath;
        this.backupDir = backupDir;
        this.keep = keep;
    }

    /** Archive name for a backup taken at {@code at}. */
    private static String archiveName(Instant at) {
        return "dytallix-backup-" + STAMP.format(at) + ".tar.gz";
    }

    @Override
    public String backup(Instant at) {
        if (!Files.isRegularFile(dbPath)) {
            throw new MaintenanceException("no database at " + dbPath + "; nothing to back up");
        }
        Path archive = backupDir.resolve(archiveName(at));
        Path snapshot = null;
        Path partial = null;
        try {
            Files.createDirectories(backupDir);
            snapshot = Files.createTempFile(backupDir, ".dytallix-snapshot-", ".db");
            partial = Files.createTempFile(backupDir, ".dytallix-backup-", ".tar.gz.part");
            Path target = snapshot;
            // VACUUM INTO reads one consistent snapshot (WAL included) while writers carry on.
            try (SqliteDatabase db = SqliteDatabase.open(dbPath)) {
                db.read(exec -> exec.dml("VACUUM INTO ?", target.toString()));
            }
            // the temporary files are created 0600, so the archive is the owner's alone from the start
            writeArchive(snapshot, partial, at, owner(dbPath));
            Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            keepNewest(backupDir, keep);
            return archive.toString();
        } catch (IOException e) {
            throw new MaintenanceException("cannot write the backup " + archive + ": " + e.getMessage(), e);
        } finally {
            deleteTemporary(snapshot);
            deleteTemporary(partial);
        }
    }

    @Override
    public void restore(String backup) {
        Path archive = Path.of(backup);
        if (!Files.isRegularFile(archive)) {
            throw new MaintenanceException("no backup archive at " + archive);
        }
        Path restoredPath = dbPath;
        try (ServerLock ignored = ServerLock.exclusive(restoredPath)) {
            Path dir = restoredPath.toAbsolutePath().getParent();
            Path candidate = null;
            try {
                Files.createDirectories(dir);
                candidate = Files.createTempFile(dir, ".dytallix-restore-", ".db");
                extract(archive, candidate);
                requireIntact(archive, candidate);
                keepOwner(restoredPath, candidate);
                // A log left by the replaced database must never be replayed into the restored one.
                Files.deleteIfExists(sibling(restoredPath, "-wal"));
                Files.deleteIfExists(sibling(restoredPath, "-shm"));
                Files.move(candidate, restoredPath, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new MaintenanceException("cannot restore " + archive + ": " + e.getMessage(), e);
            } finally {
                if (candidate != null) {
                    deleteTemporary(candidate);
                    deleteTemporary(sibling(candidate, "-wal"));
                    deleteTemporary(sibling(candidate, "-shm"));
                }
            }
        }
    }

    /** Who owns a file: numbers and names, as tar records them. */
    private record Owner(long uid, long gid, String user, String group) {
        void apply(TarArchiveEntry entry) {
            entry.setUserId(uid);
            entry.setGroupId(gid);
            entry.setUserName(user);
            entry.setGroupName(group);
        }
    }

    /**
     * The database file's owner, for the archive's entries: root's {@code tar -xzf} (the runbook's restore,
     * typed in a root shell on a systemd install) gives extracted files the owner the archive names, and
     * an entry owned by root made the restored database unreadable for the service user. Null where the
     * file system has no Unix owners.
     */
    private static Owner owner(Path file) {
        try {
            PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class);
            return new Owner(((Number) Files.getAttribute(file, "unix:uid")).longValue(),
                    ((Number) Files.getAttribute(file, "unix:gid")).longValue(),
                    attributes.owner().getName(), attributes.group().getName());
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The restored file gets the owner of the file it replaces (root running {@code restore} would
     * otherwise leave the service user a database it cannot open). Only root may give a file away; anyone
     * else restores their own file, as before.
     */
    private static void keepOwner(Path replaced, Path candidate) {
        Owner owner = Files.exists(replaced) ? owner(replaced) : null;
        if (owner == null) {
            return;
        }
        try {
            Files.setAttribute(candidate, "unix:uid", (int) owner.uid());
            Files.setAttribute(candidate, "unix:gid", (int) owner.gid());
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            LOG.log(Level.DEBUG, "the restored database keeps the owner of who restored it: " + e.getMessage());
        }
    }

    /** An archive entry for a file of the owner's alone (0600), dated {@code at}, owned by {@code owner} where known. */
    private static TarArchiveEntry fileEntry(String name, long size, Instant at, Owner owner) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        entry.setMode(0100600);
        entry.setModTime(at.toEpochMilli());
        if (owner != null) {
            owner.apply(entry);
        }
        return entry;
    }

    private static void writeArchive(Path snapshot, Path partial, Instant at, Owner owner) throws IOException {
        try (OutputStream file = Files.newOutputStream(partial);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(
                     new GzipCompressorOutputStream(new BufferedOutputStream(file)))) {
            tar.putArchiveEntry(fileEntry(ENTRY, Files.size(snapshot), at, owner));
            Files.copy(snapshot, tar);
            tar.closeArchiveEntry();
            // An empty log beside it: the runbook's `tar -xzf … -C data/` then also replaces a log a crashed
            // server left in data/, which SQLite would otherwise replay into the restored file at the next
            // open (the restore would silently bring back the crashed database's newer pages, or corrupt it).
            tar.putArchiveEntry(fileEntry(ENTRY + "-wal", 0, at, owner));
            tar.closeArchiveEntry();
            tar.finish();
        }
        try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    private static void keepNewest(Path backupDir, int keep) throws IOException {
        List<Path> archives;
        try (Stream<Path> files = Files.list(backupDir)) {
            // the UTC stamp in the name sorts in time order
            archives = files.filter(f -> ARCHIVE.matcher(f.getFileName().toString()).matches())
                    .sorted((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()))
                    .toList();
        }
        for (Path old : archives.subList(Math.min(keep, archives.size()), archives.size())) {
            Files.deleteIfExists(old);
        }
    }

    /**
     * Copies the archive's database into {@code target}: {@code dytallix.db} at its root (what
     * {@code backup} writes), else the one {@code dytallix.db} under a directory, as the shared runbook's
     * manual backup ({@code tar -czf backups/manual-backup-….tar.gz data/dytallix.db}) holds it.
     */
    private static void extract(Path archive, Path target) {
        String nested = null;
        try (InputStream file = Files.newInputStream(archive);
             TarArchiveInputStream tar = new TarArchiveInputStream(
                     new GzipCompressorInputStream(new BufferedInputStream(file)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = normalized(entry.getName());
                if (!entry.isFile()) {
                    continue;
                }
                if (name.equals(ENTRY)) {
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                    return;
                }
                if (name.endsWith("/" + ENTRY)) {
                    if (nested != null) {
                        throw new MaintenanceException("the backup " + archive + " holds several databases ("
                                + nested + ", " + name + "); extract the one to restore and archive it alone");
                    }
                    nested = name;
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new MaintenanceException("cannot read the backup " + archive + " (not a tar.gz archive?): "
                    + e.getMessage(), e);
        }
        if (nested == null) {
            throw new MaintenanceException("the backup " + archive + " holds no " + ENTRY
                    + " (neither at its root nor under a directory, as in data/" + ENTRY + ")");
        }
    }

    private static String normalized(String name) {
        return name.startsWith("./") ? name.substring(2) : name;
    }

    private static void requireIntact(Path archive, Path candidate) {
        List<String> problems;
        try (SqliteDatabase db = SqliteDatabase.open(candidate)) {
            problems = db.read(exec -> {
                try (Stream<DbRow> rows = exec.query("PRAGMA integrity_check")) {
                    return rows.map(row -> Rows.text(row, "integrity_check")).toList();
                }
            });
        } catch (RuntimeException e) {
            throw new MaintenanceException("the database in " + archive + " cannot be opened: " + rootMessage(e), e);
        }
        if (!problems.equals(List.of("ok"))) {
            throw new MaintenanceException("the database in " + archive + " failed PRAGMA integrity_check: "
                    + String.join("; ", problems.subList(0, Math.min(5, problems.size()))));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }

    private static Path sibling(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    private static void deleteTemporary(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // never hide the outcome of the backup or restore behind a leftover temporary file
            LOG.log(Level.WARNING, "cannot delete the temporary file " + file + ": " + e.getMessage());
        }
    }
}
