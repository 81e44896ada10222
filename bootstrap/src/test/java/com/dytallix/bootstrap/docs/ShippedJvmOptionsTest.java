package com.dytallix.bootstrap.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JVM options live in one place, `./dyt jvm-options`, and its environment in `./dyt jvm-env`: the
 * systemd unit must start the server with the same.
 */
class ShippedJvmOptionsTest {

    @Test
    void theSystemdUnitRunsTheJvmWithTheLaunchersOptions() throws Exception {
        Path root = ServerProcess.repoRoot();
        List<String> launcher = Arrays.asList(dyt(root, "jvm-options").split("\\s+"));

        String exec = Files.readAllLines(root.resolve("docs/deploy/dytallix-api.service")).stream()
                .filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        List<String> words = Arrays.asList(exec.substring("ExecStart=".length()).split("\\s+"));
        List<String> unit = words.subList(1, words.indexOf("-jar")).stream().filter(w -> !w.startsWith("-XX:AOTCache=")).toList();

        assertThat(unit).containsExactlyInAnyOrderElementsOf(launcher);
        assertThat(launcher).contains("-Xmx128m", "-Xmn32m", "-XX:+UseSerialGC", "-XX:TrimNativeHeapInterval=2000", "-XX:+ExitOnOutOfMemoryError",
                "-XX:CompileCommand=MemLimit,*.*,32m");
        // quiet first, or the JVM echoes the next command on stdout, which is one JSON line per event
        assertThat(launcher.indexOf("-XX:CompileCommand=quiet")).isNotNegative().isLessThan(launcher.indexOf("-XX:CompileCommand=MemLimit,*.*,32m"));
        assertThat(unit.indexOf("-XX:CompileCommand=quiet")).isLessThan(unit.indexOf("-XX:CompileCommand=MemLimit,*.*,32m"));
    }

    @Test
    void theSystemdUnitGivesTheJvmTheLaunchersEnvironment() throws Exception {
        Path root = ServerProcess.repoRoot();
        List<String> launcher = dyt(root, "jvm-env").lines().toList();
        List<String> unit = Files.readAllLines(root.resolve("docs/deploy/dytallix-api.service")).stream()
                .filter(l -> l.startsWith("Environment=")).map(l -> l.substring("Environment=".length())).toList();
        assertThat(unit).containsExactlyInAnyOrderElementsOf(launcher);
        assertThat(launcher).contains("MALLOC_ARENA_MAX=2");
    }

    /** The runbook's logrotate step runs `systemctl reload dytallix-api`: without ExecReload systemd refuses it. */
    @Test
    void theSystemdUnitReloadsWithSighupWhichTheServerSurvives() throws Exception {
        List<String> unit = Files.readAllLines(ServerProcess.repoRoot().resolve("docs/deploy/dytallix-api.service"));
        assertThat(unit).contains("ExecReload=/bin/kill -HUP $MAINPID");
    }

    /**
     * The zero-downtime deployment's second unit is the first one on port 8788, running the build copied to
     * next/ (a running server's files are never copied over): every other line the same.
     */
    @Test
    void theNextVersionsUnitIsTheServiceOnAnotherPortAndItsOwnCopy() throws Exception {
        Path deploy = ServerProcess.repoRoot().resolve("docs/deploy");
        List<String> main = settingLines(deploy.resolve("dytallix-api.service"));
        List<String> next = settingLines(deploy.resolve("dytallix-api-next.service"));
        List<String> expected = new java.util.ArrayList<>(main.stream()
                .map(l -> l.startsWith("ExecStart=") ? l.replace("/opt/dytallix-api/", "/opt/dytallix-api/next/") : l)
                .filter(l -> !l.startsWith("Description="))
                .toList());
        expected.add("Environment=PORT=8788");
        assertThat(next.stream().filter(l -> !l.startsWith("Description=")).toList())
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(next).anyMatch(l -> l.startsWith("ExecStart=") && l.contains("-XX:AOTCache=/opt/dytallix-api/next/dytallix-api-node.aot")
                && l.endsWith("-jar /opt/dytallix-api/next/dytallix-api.jar serve"));
    }

    /** A unit file's settings: its lines without comments and blank lines. */
    private static List<String> settingLines(Path unit) throws Exception {
        return Files.readAllLines(unit).stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    /** What {@code ./dyt COMMAND} prints, with no JAVA_OPTS or MALLOC_ARENA_MAX of the test's own. */
    private static String dyt(Path root, String command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", root.resolve("dyt").toString(), command).redirectErrorStream(true);
        builder.environment().remove("JAVA_OPTS");
        builder.environment().remove("MALLOC_ARENA_MAX");
        Process dyt = builder.start();
        String printed = new String(dyt.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(dyt.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(dyt.exitValue()).as(printed).isZero();
        return printed;
    }
}
