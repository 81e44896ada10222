package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/operations.md's one-shot commands on an installed copy, as written: {@code java -jar dytallix-api.jar migrate},
 * {@code … backup} and {@code … prune} with no JVM option. SQLite's driver loads its native library, and the JDK warned
 * about it in four lines on stderr ("A restricted method in java.lang.System has been called …") unless the command
 * line had {@code --enable-native-access=ALL-UNNAMED}; the jar's manifest now grants it. A command's stdout is what a
 * script reads: the connection pool's JSON log lines were on it, ahead of the answer; logs now go to stderr.
 */
class OneShotCommandIT {
    /** The line HikariCP logs when the readers' pool of the database starts (the writer's pool is "…-writer"). */
    private static final String POOL_STARTS = "sqlite-dytallix.db - Starting...";

    @TempDir
    Path dir;

    record Run(String out, String err) {
    }

    @Test
    void migrateBackupAndPrunePrintOnlyTheirAnswerOnStdoutWithoutTheJdksWarnings() throws Exception {
        Run migrate = run("migrate");
        assertThat(migrate.out()).as("migrate's stdout").matches("(applied V[0-9]+ [a-z_0-9]+\n)+");
        // the data directory it made is the operator's alone, and nothing warns that it is not
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("data"))))
                .isEqualTo("rwx------");
        assertThat(migrate.err()).doesNotContain("open to other users");
        assertThat(run("migrate").out()).as("migrate again").matches("database .*dytallix\\.db is up to date \\(schema version [0-9]+\\)\n");
        assertThat(run("backup").out()).as("backup's stdout").matches("backup written: .*/backups/dytallix-backup-[0-9_]+\\.tar\\.gz\n");
        Run prune = run("prune");
        assertThat(prune.out()).as("prune's stdout").isEqualTo("pruned 0 finished grants, 0 fingerprints, 0 admin audit entries"
                + " and 0 settled gap fillers and drains\n");
        // the logs are still there for whoever looks, on stderr, and say the database was opened once, not once per step
        assertThat(prune.err().lines().filter(line -> line.contains(POOL_STARTS))).as("pools opened by prune").hasSize(1);
        try (var archives = Files.list(dir.resolve("backups"))) {
            assertThat(archives.map(a -> a.getFileName().toString())).singleElement().asString().startsWith("dytallix-backup-");
        }
    }

    private Run run(String command) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                ServerProcess.jar().toString(), command).directory(dir.toFile()).start();
        p.getOutputStream().close();
        // stderr read on its own thread: a command that fills the pipe's buffer must not wait on this test
        var err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Run run = new Run(out, err.get(60, TimeUnit.SECONDS));
        assertThat(p.exitValue()).as("%s: %s%s", command, run.out(), run.err()).isZero();
        assertThat(run.err()).as(command).doesNotContain("WARNING").doesNotContain("restricted method");
        return run;
    }
}
