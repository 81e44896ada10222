package com.dytallix.bootstrap.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./dyt help} on a fresh clone (no jar yet) answers at once with every command the README and
 * docs/operations.md tell an operator to run: the launcher's own (build, stale, jvm-options, …) and the server's.
 * It used to build the server and train its AOT caches first (minutes), then print the server's commands only.
 */
class LauncherHelpTest {
    /** The launcher's own commands, each on a line of its own. */
    private static final List<String> LAUNCHER = List.of("serve", "test", "build", "stale", "jvm-options", "jvm-env", "help");
    /** The server's, as the README's "Commands" lists them. */
    private static final List<String> SERVER = List.of("migrate", "backup", "restore FILE", "prune", "keygen", "check-config", "version");

    @TempDir
    Path root;

    @Test
    void helpOnAFreshCloneListsEveryCommandWithoutBuilding() throws Exception {
        Files.copy(ServerProcess.repoRoot().resolve("dyt"), root.resolve("dyt"));
        Process p = new ProcessBuilder("bash", "dyt", "help").directory(root.toFile()).start();
        p.getOutputStream().close();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("./dyt help finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(err).isZero();
        assertThat(err).doesNotContain("building");
        assertThat(root.resolve("bootstrap")).doesNotExist();
        for (String command : LAUNCHER) {
            assertThat(out).as("./dyt help names %s", command).containsPattern("(?m)^  " + command + " ");
        }
        String serverLine = out.lines().filter(l -> l.startsWith("  <command>")).findFirst().orElseThrow();
        for (String command : SERVER) {
            assertThat(serverLine).as("./dyt help names %s", command).containsPattern("[ |] " + command + "( |$)");
        }
    }
}
