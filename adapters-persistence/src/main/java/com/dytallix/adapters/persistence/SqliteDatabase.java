package com.dytallix.adapters.persistence;

import com.dytallix.domain.StoreBusyException;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;
import org.sqlite.util.OSInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Stream;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The SQLite database file in WAL mode, with a pool of connections for reads, one connection for
 * writes, and a Helidon {@link DbClient} over each.
 *
 * <p>SQLite allows one writer at a time. Every write transaction here takes one in-process lock
 * per database file and begins with {@code BEGIN IMMEDIATE}, so writers of this process queue
 * instead of failing with "database is locked", and a writer in another process (the
 * {@code prune} command, an operator's {@code sqlite3}) is waited for by the busy timeout. Readers
 * never wait for writers in WAL mode.
 *
 * <p>Every write transaction of this handle runs on the same connection, so its page cache and its
 * compiled statements last from one write to the next: SQLite empties a connection's page cache when
 * another connection has committed since its last transaction (its own commits keep it), and with
 * writes spread over the pool nearly every one began cold, on a connection that compiled the grant
 * path's statements for itself.
 *
 * <p>The write-ahead log is copied into the database file by a background thread of this handle
 * (a {@code PASSIVE} checkpoint every {@link #CHECKPOINT_INTERVAL_MS}, which never blocks a writer),
 * not by whichever commit crosses SQLite's threshold: a checkpoint inside a commit copies and
 * syncs hundreds of pages while the write lock is held and every request's write waits. A commit
 * still checkpoints once the log reaches {@link #WAL_PAGES_MOST} pages, so the log stays bounded
 * when the background checkpoints cannot keep up or finish (a long read keeps old pages in use).
 */
final class SqliteDatabase extends Database {
    private static final System.Logger LOG = System.getLogger(SqliteDatabase.class.getName());
    /** Longer than any write transaction this server runs, so a busy database is waited for, not reported. */
    static final int BUSY_TIMEOUT_MS = 10_000;
    private static final int POOL_SIZE = 8;
    /** How often the background thread copies the log into the database file. */
    static final long CHECKPOINT_INTERVAL_MS = 200;
    /**
     * Pages in the write-ahead log at which a commit checkpoints it itself (SQLite's default is 1,000):
     * about 40 MB of log at most, reached only when the background checkpoints fall behind.
     */
    static final int WAL_PAGES_MOST = 10_000;
    // Shared by every handle on the same file in this process, so two handles still make one writer.
    private static final ConcurrentMap<Path, ReentrantLock> WRITERS = new ConcurrentHashMap<>();

    private final Path path;
    private final ReentrantLock writer;
    private final int busyTimeoutMs;
    /** The one connection of every write transaction; taken only under {@link #writer}. */
    private final HikariDataSource writerConnection;
    private final DbClient writes;
    private final Thread checkpointer;

    private SqliteDatabase(Path path, HikariDataSource readers, HikariDataSource writerConnection, int busyTimeoutMs) {
        super(readers, "sqlite");
        this.path = path;
        this.writer = WRITERS.computeIfAbsent(path, p -> new ReentrantLock());
        this.busyTimeoutMs = busyTimeoutMs;
        this.writerConnection = writerConnection;
        this.writes = transactionClient(writerConnection, "sqlite");
        this.checkpointer = Thread.ofPlatform().daemon().name("sqlite-checkpoint " + path)
                .start(this::checkpointInBackground);
    }

    /** Opens the database file, creating it and its parent directories when missing. */
    public static SqliteDatabase open(Path dbPath) {
        return open(dbPath, BUSY_TIMEOUT_MS);
    }

    /** As {@link #open(Path)}, waiting at most {@code busyTimeoutMs} for another process's write lock. */
    static SqliteDatabase open(Path dbPath, int busyTimeoutMs) {
        Path path = dbPath.toAbsolutePath().normalize();
        try {
            Files.createDirectories(path.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of " + dbPath, e);
        }
        useShippedNativeLibrary();
        // The driver's settings rather than statements, so every pooled connection gets them.
        SQLiteConfig sqlite = new SQLiteConfig();
        sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
        sqlite.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        sqlite.setBusyTimeout(busyTimeoutMs);
        sqlite.enforceForeignKeys(true);
        sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        // nothing reads the driver's generated keys, and fetching them prepared one more statement per insert
        sqlite.setGetGeneratedKeys(false);
        sqlite.setPragma(SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, String.valueOf(WAL_PAGES_MOST));
        SqliteConnections connections = new SqliteConnections(sqlite, "jdbc:sqlite:" + path);
        HikariDataSource readers = pool("sqlite-" + path.getFileName(), POOL_SIZE, connections, busyTimeoutMs);
        try {
            // a pool of one rather than a bare connection: Hikari replaces it when it breaks or is evicted
            return new SqliteDatabase(path, readers, pool("sqlite-" + path.getFileName() + "-writer", 1, connections, busyTimeoutMs),
                    busyTimeoutMs);
        } catch (RuntimeException | Error e) {
            readers.close();
            throw e;
        }
    }

    private static HikariDataSource pool(String name, int size, SqliteConnections connections, int busyTimeoutMs) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(connectionTimeoutMs(busyTimeoutMs));
        config.setDataSource(connections);
        return new HikariDataSource(config);
    }

    /**
     * The driver's native library from {@code libs/sqlite-native/} beside this jar, where the build
     * puts it: otherwise sqlite-jdbc writes it to the temporary directory and reads it back at every
     * start (about a tenth of a second of CPU on the start's critical path). Where it is missing (tests
     * run from classes, another platform) or the operator named a library, the driver does as usual.
     * The jar is found through the class path this process runs with: with the AOT cache, this class's
     * code source names the directory the cache was made in (the build's), so an installed copy would
     * map the build directory's library, and die (SIGBUS) when a rebuild rewrote that file.
     */
    private static void useShippedNativeLibrary() {
        if (System.getProperty("org.sqlite.lib.path") != null) {
            return;
        }
        try {
            String self = String.valueOf(SqliteDatabase.class.getResource("SqliteDatabase.class")); // jar:file:/…/libs/x.jar!/com/…
            if (!self.startsWith("jar:file:") || !self.contains("!/")) {
                return;
            }
            Path jar = Path.of(java.net.URI.create(self.substring("jar:".length(), self.indexOf("!/"))));
            Path library = jar.resolveSibling("sqlite-native").resolve(nativeLibraryFolder())
                    .resolve(System.mapLibraryName("sqlitejdbc"));
            if (Files.isRegularFile(library)) {
                System.setProperty("org.sqlite.lib.path", library.getParent().toString());
                System.setProperty("org.sqlite.lib.name", library.getFileName().toString());
                // the driver's first load lists its temporary directory for copies older runs left there
                // (thousands in a shared /tmp, a fifth of the database's start); it extracts none now
                if (System.getProperty("org.sqlite.tmpdir") == null) {
                    System.setProperty("org.sqlite.tmpdir", library.getParent().toString());
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "SQLite's native library is extracted by the driver: " + e.getMessage());
        }
    }

    /**
     * The driver's folder name for this platform ({@code Linux/x86_64}), as the build unpacks it. For
     * glibc Linux on x86_64 or aarch64 it is known without {@link OSInfo}, whose checks for Android (it
     * runs {@code uname -o}) and musl (it resolves every file the process has mapped) took 45-65 ms of
     * the database thread's start; any other platform gets OSInfo's answer.
     */
    private static String nativeLibraryFolder() {
        String arch = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "aarch64";
            default -> "";
        };
        if (!arch.isEmpty() && System.getProperty("os.name", "").equals("Linux")
                && !Files.exists(Path.of("/lib/ld-musl-" + arch + ".so.1"))) {
            return "Linux/" + arch;
        }
        return OSInfo.getNativeLibFolderPathForCurrentOS();
    }

    public Path path() {
        return path;
    }

    /**
     * Runs {@code work} as one write transaction: committed when it returns, rolled back when it
     * throws. Every write runs alone, whatever its kind: writers of this process run one at a time. The lock is not fair: a fair one hands it to
     * a parked thread at every commit, and that wake-up, not the write, capped the faucet at about
     * half the grants per second (bench/faucet.sh).
     *
     * <p>A write that cannot have the lock within the busy timeout, because another process holds
     * it (a paused instance, an operator's open transaction) or because this process's own writers
     * queue longer than that, ends with {@link StoreBusyException}, nothing written: no request
     * waits without bound.
     */
    @Override
    <T> T write(Writes kind, Function<DbTransaction, T> work) {
        awaitWriter();
        try {
            DbTransaction tx = begin(writes, writerConnection);
            T result;
            try {
                result = work.apply(tx);
            } catch (RuntimeException | Error e) {
                try {
                    tx.rollback();
                } catch (RuntimeException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            }
            tx.commit();
            return result;
        } catch (RuntimeException e) {
            if (isBusy(e)) {
                // the connection whose BEGIN failed is left out of any transaction yet not in autocommit: never reused
                writerConnection.getHikariPoolMXBean().softEvictConnections();
                throw new StoreBusyException("another process held the database's write lock for over " + busyTimeoutMs + " ms");
            }
            if (causedBy(e, SQLTransientConnectionException.class)) {
                // the writer connection evicted after a busy BEGIN is being replaced, and was not ready in time
                throw new StoreBusyException("the database's write lock was not taken: its connection was not ready within "
                        + connectionTimeoutMs(busyTimeoutMs) + " ms");
            }
            throw e;
        } finally {
            writer.unlock();
        }
    }

    private void awaitWriter() {
        try {
            if (!writer.tryLock(busyTimeoutMs, TimeUnit.MILLISECONDS)) {
                throw new StoreBusyException("this server's own writes held the database's write lock for over " + busyTimeoutMs + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreBusyException("interrupted while waiting for the database's write lock");
        }
    }

    /** How long a caller waits for a pooled connection: never less than a quarter of a second. */
    private static long connectionTimeoutMs(int busyTimeoutMs) {
        return Math.max(busyTimeoutMs, 250);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** SQLite's SQLITE_BUSY (any extended form) anywhere in the causes: the busy timeout ran out. */
    private static boolean isBusy(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SQLiteException sqlite && (sqlite.getResultCode().code & 0xff) == SQLiteErrorCode.SQLITE_BUSY.code) {
                return true;
            }
            for (Throwable s : c.getSuppressed()) {
                if (isBusy(s)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Runs a statement that must not be inside a transaction (PRAGMA, VACUUM) while no writer of this process runs. */
    <T> T exclusive(Function<DbExecute, T> work) {
        writer.lock();
        try {
            return work.apply(new TextNamedStatements(client.execute()));
        } finally {
            writer.unlock();
        }
    }

    @Override
    Dialect dialect() {
        return Dialect.SQLITE;
    }

    /** {@code PRAGMA optimize}: refreshes the query planner's statistics where they are stale. */
    @Override
    public void optimize() {
        // a query, not an update: the pragma may report what it analysed
        exclusive(db -> {
            try (Stream<DbRow> rows = db.query("PRAGMA optimize")) {
                return rows.count();
            }
        });
    }

    /**
     * A platform thread: the checkpoint's copying and syncing run in native code, which would hold a
     * virtual thread's carrier for their whole length. A checkpoint that fails (the database busy with a
     * {@code VACUUM}, a disk error) is left to the next one, or to the commit that reaches the bound.
     */
    private void checkpointInBackground() {
        while (!closed.get()) {
            try {
                Thread.sleep(CHECKPOINT_INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
            try {
                read(db -> db.get("PRAGMA wal_checkpoint(PASSIVE)"));
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "background checkpoint left to the next: " + e.getMessage());
            }
        }
    }

    /** Copies the write-ahead log into the database file and truncates the log. */
    public void checkpoint() {
        exclusive(db -> db.get("PRAGMA wal_checkpoint(TRUNCATE)"));
    }

    /** Optimizes, checkpoints and closes every connection: no lock or log is left behind. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        checkpointer.interrupt();
        try {
            checkpointer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            optimize();
            checkpoint();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing the database without a final checkpoint: " + e.getMessage());
        } finally {
            writes.close();
            writerConnection.close();
            client.close();
            dataSource.close();
        }
    }
}
