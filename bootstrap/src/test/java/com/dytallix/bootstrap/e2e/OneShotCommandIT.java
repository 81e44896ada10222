package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/operations.md's one-shot commands on an installed copy, as written: {@code java -jar dytallix-api.jar migrate}
 * and {@code … backup} with no JVM option. SQLite's driver loads its native library, and the JDK warned about it in
 * four lines on stderr ("A restricted method in java.lang.System has been called …") unless the command line had
 * {@code --enable-native-access=ALL-UNNAMED}; the jar's manifest now grants it.
 */
class OneShotCommandIT {
    @TempDir
    Path dir;

    @Test
    void migrateAndBackupRunAsWrittenWithoutTheJdksWarnings() throws Exception {
        for (String command : new String[] {"migrate", "backup"}) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    ServerProcess.jar().toString(), command).directory(dir.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("%s: %s%s", command, out, err).isZero();
            assertThat(err).as(command).doesNotContain("WARNING").doesNotContain("restricted method");
        }
        try (var archives = Files.list(dir.resolve("backups"))) {
            assertThat(archives.map(a -> a.getFileName().toString())).singleElement().asString().startsWith("dytallix-backup-");
        }
    }
}
