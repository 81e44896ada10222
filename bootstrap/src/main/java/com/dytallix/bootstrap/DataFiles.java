package com.dytallix.bootstrap;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The database, its WAL, the keys and the backups are the operator's alone: directories we create
 * 0700, files 0600, whatever the umask. SQLite creates its -wal and -shm files with the database
 * file's mode, so tightening the database file covers them. On a file system without POSIX
 * permissions this does nothing.
 */
final class DataFiles {
    private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

    private DataFiles() {
    }

    /**
     * Creates {@code dir} as 0700 if it is missing. An existing directory is left as the operator
     * made it (DB_PATH may sit in a shared directory), with a warning if others may read it.
     */
    static void ownerOnlyDirectory(Path dir) {
        try {
            if (Files.isDirectory(dir)) {
                warnIfShared(dir);
                return;
            }
            Files.createDirectories(dir);
            setPermissions(dir, OWNER_DIRECTORY);
        } catch (IOException e) {
            throw new StartupException("cannot create the directory " + dir + ": " + e.getMessage(), Main.FAILED);
        }
    }

    private static void warnIfShared(Path dir) throws IOException {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
            if (permissions.stream().anyMatch(p -> !OWNER_DIRECTORY.contains(p))) {
                System.getLogger(DataFiles.class.getName()).log(System.Logger.Level.WARNING, dir + " is open to other users ("
                        + PosixFilePermissions.toString(permissions) + "); it holds the database and keys: chmod 700 it");
            }
        } catch (UnsupportedOperationException notPosix) {
            // the ACLs of the directory decide
        }
    }

    /** Makes each existing file 0600. */
    static void ownerOnlyFiles(Path... files) {
        for (Path file : files) {
            try {
                if (Files.exists(file)) {
                    setPermissions(file, OWNER_FILE);
                }
            } catch (IOException e) {
                throw new StartupException("cannot protect " + file + ": " + e.getMessage(), Main.FAILED);
            }
        }
    }

    /** The database file and the files SQLite keeps beside it. */
    static void ownerOnlyDatabase(Path db) {
        ownerOnlyFiles(db, Path.of(db + "-wal"), Path.of(db + "-shm"), Path.of(db + "-journal"));
    }

    private static void setPermissions(Path path, Set<PosixFilePermission> permissions) throws IOException {
        try {
            if (!Files.getPosixFilePermissions(path).equals(permissions)) {
                Files.setPosixFilePermissions(path, permissions);
            }
        } catch (UnsupportedOperationException notPosix) {
            // Windows and the like: the ACLs of the directory decide
        } catch (FileSystemException notOurs) {
            // owned by another user (a shared data directory set up by the operator): say so, do not stop
            System.getLogger(DataFiles.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot restrict " + path + " to its owner: " + notOurs.getMessage());
        }
    }
}
