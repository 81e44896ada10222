package com.dytallix.adapters.persistence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on {@code <db>.lock} that {@code serve} holds while it runs, so that
 * {@code restore} (or a second server) cannot replace or share the database under it. The operating
 * system releases it when the process ends, however it ends; the file itself stays.
 */
public final class ServerLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private ServerLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock for the database at {@code dbPath} without waiting.
     *
     * @throws ServerRunningException when another server (in this process or another) holds it
     */
    public static ServerLock acquire(Path dbPath) {
        Path file = lockFile(dbPath);
        FileChannel channel = null;
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new ServerRunningException(file);
            }
            return new ServerLock(channel, lock);
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            throw new ServerRunningException(file);
        } catch (ServerRunningException e) {
            closeQuietly(channel);
            throw e;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock " + file, e);
        }
    }

    /** {@code data/dytallix.db} → {@code data/dytallix.db.lock}. */
    public static Path lockFile(Path dbPath) {
        return dbPath.resolveSibling(dbPath.getFileName() + ".lock");
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the server lock", e);
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

    /** The database is held by a running server. */
    public static final class ServerRunningException extends IllegalStateException {
        ServerRunningException(Path lockFile) {
            super("the server is running (" + lockFile + " is held); stop it first");
        }
    }
}
