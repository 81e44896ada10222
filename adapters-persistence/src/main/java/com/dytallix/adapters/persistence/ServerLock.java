package com.dytallix.adapters.persistence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A lock on {@code <db>.lock} that tells maintenance commands whether a server runs on the
 * database. Every {@code serve} holds it shared, so several servers share one data directory (a
 * zero-downtime deployment); {@code restore} and {@code migrate} take it exclusively, so they refuse
 * while any server runs and no server starts under them. The operating system releases it when the
 * process ends, however it ends; the file itself stays.
 *
 * <p>The operating system's locks belong to the process, so holders inside one JVM are counted here.
 */
final class ServerLock implements InstanceLock {
    private static final Map<Path, Held> HELD = new HashMap<>();
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final Path file;
    private boolean closed;

    private ServerLock(Path file) {
        this.file = file;
    }

    private static final class Held {
        final FileChannel channel;
        final FileLock lock;
        int holders;

        Held(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }
    }

    /**
     * For a server: taken alongside other servers, refused while a maintenance command holds the database.
     *
     * @throws MaintenanceRunningException when {@code restore} or {@code migrate} holds it
     */
    public static ServerLock shared(Path dbPath) {
        return take(dbPath, true);
    }

    /**
     * For a command that replaces or reshapes the database under every server, or a server that must
     * be alone on it: refused while anyone else holds the lock.
     *
     * @throws ServerRunningException when a server (in this process or another) holds it
     */
    public static ServerLock exclusive(Path dbPath) {
        return take(dbPath, false);
    }

    private static ServerLock take(Path dbPath, boolean shared) {
        Path named = lockFile(dbPath);
        Path file = named.toAbsolutePath().normalize();
        synchronized (HELD) {
            Held held = HELD.get(file);
            if (held != null) {
                if (!shared || !held.lock.isShared()) {
                    throw shared ? new MaintenanceRunningException(named) : new ServerRunningException(named);
                }
                held.holders++;
                return new ServerLock(file);
            }
            FileChannel channel = null;
            try {
                Files.createDirectories(file.getParent());
                // a shared lock needs a readable channel, an exclusive one a writable channel
                channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE), ownerOnly());
                tightenLeftOver(file);
                FileLock lock = channel.tryLock(0, Long.MAX_VALUE, shared);
                if (lock == null) {
                    channel.close();
                    throw shared ? new MaintenanceRunningException(named) : new ServerRunningException(named);
                }
                Held taken = new Held(channel, lock);
                taken.holders = 1;
                HELD.put(file, taken);
                return new ServerLock(file);
            } catch (IOException e) {
                closeQuietly(channel);
                throw new UncheckedIOException("cannot lock " + file, e);
            }
        }
    }

    /** The database files' mode (0600), given at creation so no other user ever sees the file open. */
    private static FileAttribute<?>[] ownerOnly() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_FILE)} : new FileAttribute<?>[0];
    }

    /** A lock file an earlier version left 0644 becomes 0600; one owned by another user is left as it is. */
    private static void tightenLeftOver(Path file) {
        if (!POSIX) {
            return;
        }
        try {
            if (!Files.getPosixFilePermissions(file).equals(OWNER_FILE)) {
                Files.setPosixFilePermissions(file, OWNER_FILE);
            }
        } catch (IOException notOurs) {
            // a data directory the operator shares with another user: the lock works all the same
        }
    }

    /** {@code data/dytallix.db} → {@code data/dytallix.db.lock}. */
    public static Path lockFile(Path dbPath) {
        return dbPath.resolveSibling(dbPath.getFileName() + ".lock");
    }

    @Override
    public void close() {
        synchronized (HELD) {
            if (closed) {
                return;
            }
            closed = true;
            Held held = HELD.get(file);
            if (held == null || --held.holders > 0) {
                return;
            }
            HELD.remove(file);
            try {
                held.lock.release();
                held.channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot release the server lock", e);
            }
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the lock was not ours; nothing to release
            }
        }
    }

    /** The database is used by a running server. */
    public static final class ServerRunningException extends IllegalStateException {
        ServerRunningException(Path lockFile) {
            this(lockFile + " is held");
        }

        ServerRunningException(String evidence) {
            super("the server is running (" + evidence + "); stop every instance first");
        }
    }

    /** A maintenance command (restore, migrate) holds the database. */
    public static final class MaintenanceRunningException extends IllegalStateException {
        MaintenanceRunningException(Path lockFile) {
            this(lockFile.toString());
        }

        MaintenanceRunningException(String where) {
            super("a maintenance command (restore or migrate) holds the database (" + where + "); wait for it to finish");
        }
    }
}
