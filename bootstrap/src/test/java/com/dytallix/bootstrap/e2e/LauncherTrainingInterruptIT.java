package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./dyt serve} with a jar and no AOT cache trains the caches first: throwaway servers of the jar
 * (and, at their exit, the JVMs that write the caches). A launcher interrupted then (Ctrl-C, kill, the
 * terminal closing) stops every one of them before it exits, and leaves neither their directory nor a
 * half-made cache; it used to leave the servers running, holding their ports and data directories.
 */
class LauncherTrainingInterruptIT {
    @TempDir
    Path dir;

    @Test
    void ctrlCDuringTheFirstTrainingStartLeavesNothingRunning() throws Exception {
        interruptDuringTraining("INT", 130, p -> true);
    }

    @Test
    void theTerminalClosingDuringTheFirstTrainingStartLeavesNothingRunning() throws Exception {
        interruptDuringTraining("HUP", 129, p -> true);
    }

    /** The second training start: a dev chain server as the node and a server in front of it, two servers at once. */
    @Test
    void aKillDuringTheNodeTrainingStartLeavesNeitherServerRunning() throws Exception {
        interruptDuringTraining("TERM", 143,
                p -> p.info().arguments().stream().flatMap(Stream::of).anyMatch(a -> a.startsWith("--RPC_URL=")));
    }

    /**
     * Runs {@code ./dyt serve} in a checkout of its own (the launcher, the built jar and its libs/, no
     * cache), sends {@code signal} to the launcher alone once a training server matching {@code moment}
     * runs, and checks what is left.
     */
    private void interruptDuringTraining(String signal, int exitCode, Predicate<ProcessHandle> moment) throws Exception {
        Path checkout = Files.createDirectory(dir.resolve("checkout"));
        Path target = Files.createDirectories(checkout.resolve("bootstrap/target"));
        Files.copy(ServerProcess.repoRoot().resolve("dyt"), checkout.resolve("dyt"));
        Files.copy(ServerProcess.jar(), target.resolve("dytallix-api.jar"));
        Files.createSymbolicLink(target.resolve("libs"), ServerProcess.jar().resolveSibling("libs"));
        Path tmp = Files.createDirectory(dir.resolve("tmp"));

        // every signal at its default, as a terminal's launcher has it: a test run started in the background
        // (CI's runner, `cmd &`) inherits SIGINT ignored, which no shell may trap again
        ProcessBuilder builder = new ProcessBuilder("env", "--default-signal", "bash", checkout.resolve("dyt").toString(), "serve",
                "--PORT=" + ServerProcess.freePort(), "--HOST=127.0.0.1")
                .directory(checkout.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("dyt.log").toFile());
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("TMPDIR", tmp.toString());
        Process launcher = builder.start();
        List<ProcessHandle> started = List.of();
        try {
            List<ProcessHandle> servers = Poll.eventually(Duration.ofMinutes(4), () -> javaDescendants(launcher),
                    found -> found.stream().anyMatch(moment) || !launcher.isAlive());
            assertThat(servers).as("a training server runs (launcher's output in %s)", dir.resolve("dyt.log")).anyMatch(moment);
            started = launcher.descendants().toList();

            assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(launcher.pid())).start().waitFor()).isZero();
            assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).as("the launcher exits").isTrue();
            assertThat(launcher.exitValue()).isEqualTo(exitCode);

            // the launcher waited for what it killed: nothing it started is left, now
            assertThat(started).as("processes the launcher started").noneMatch(ProcessHandle::isAlive);
            try (Stream<Path> left = Files.list(tmp)) {
                assertThat(left).as("the training directory is removed").isEmpty();
            }
            try (Stream<Path> left = Files.list(target)) {
                assertThat(left.map(p -> p.getFileName().toString())).as("no cache, not even half a one")
                        .containsExactlyInAnyOrder("dytallix-api.jar", "libs");
            }
            assertThat(Files.readString(dir.resolve("dyt.log"))).contains("the AOT training was cut short");
        } finally {
            // the old launcher's orphans: the test stops them itself, by the ids it recorded
            started.forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
    }

    private static List<ProcessHandle> javaDescendants(Process launcher) {
        return launcher.descendants().filter(p -> p.info().command().orElse("").endsWith("/java")).toList();
    }
}
