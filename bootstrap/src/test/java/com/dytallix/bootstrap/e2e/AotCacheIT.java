package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ahead-of-time class cache the systemd unit and {@code ./dyt serve} start with: one made by a
 * training start of this jar is used, also by a copy installed elsewhere; a damaged, foreign or missing one is reported on stderr and the
 * server starts without it, its stdout still one JSON object per line.
 */
class AotCacheIT {
    private static final Map<String, String> SETTINGS = Map.of("DEV_BLOCK_TIME_MS", "500", "LOG_LEVEL", "info");

    @TempDir
    Path dir;

    @Test
    void aCacheFromATrainingStartIsUsedByTheInstalledCopy() throws Exception {
        // as an install does: the build trains the cache in its own directory, then jar, libs/ and cache are copied
        Path build = copyDistribution(ServerProcess.jar().getParent(), Files.createDirectory(dir.resolve("build")));
        Path cache = build.resolve("dytallix-api.aot");
        Path training = Files.createDirectory(dir.resolve("training"));
        List<String> trainingOptions = shippedJvmOptions(cache);
        trainingOptions.removeIf(o -> o.startsWith("-XX:AOTCache="));
        trainingOptions.add("-XX:AOTCacheOutput=" + cache); // as ./dyt build trains it
        try (ServerProcess server = ServerProcess.start(training, build.resolve("dytallix-api.jar"), ServerProcess.freePort(), SETTINGS,
                trainingOptions)) {
            assertThat(server.http.get("/api/status").status()).isEqualTo(200);
            // the JVM writes the cache as it exits: seconds of CPU, far more on a loaded machine
            server.terminate();
            assertThat(server.awaitExit(Duration.ofMinutes(2))).hasValue(0);
        }
        assertThat(cache).isNotEmptyFile();
        Path installed = copyDistribution(build, Files.createDirectory(dir.resolve("installed")));
        Files.copy(cache, installed.resolve("dytallix-api.aot"));

        Path run = Files.createDirectory(dir.resolve("run"));
        List<String> options = shippedJvmOptions(installed.resolve("dytallix-api.aot"));
        options.add("-Xlog:aot=info:stderr");
        try (ServerProcess server = ServerProcess.start(run, installed.resolve("dytallix-api.jar"), ServerProcess.freePort(), SETTINGS,
                options)) {
            assertThat(server.http.get("/api/status").status()).isEqualTo(200);
            assertThat(server.stderr()).contains("Using AOT-linked classes: true");
            // nothing alarming at start: no JVM warning (JDK 25's adapter hash collisions), no Helidon note about logging
            assertThat(server.stderr().lines()).noneMatch(l -> l.contains("[warning]") || l.contains("Helidon logging"));
            // a rebuild rewrites the build directory's files; the installed server uses its own copy of SQLite's
            // library (the cache names the build directory as where its classes came from)
            try (Stream<Path> files = Files.walk(build.resolve("libs/sqlite-native"))) {
                for (Path library : files.filter(Files::isRegularFile).toList()) {
                    Files.write(library, new byte[0]);
                }
            }
            assertThat(server.http.get("/readyz").status()).as("the database answers").isEqualTo(200);
            assertThat(server.stop()).isZero();
            assertOnlyJsonOnStdout(server);
        }
    }

    @Test
    void aDamagedCacheIsReportedAndTheServerStartsWithoutIt() throws Exception {
        Path cache = dir.resolve("dytallix-api.aot");
        byte[] garbage = new byte[64 * 1024];
        new java.util.Random(7).nextBytes(garbage);
        Files.write(cache, garbage);

        try (ServerProcess server = ServerProcess.start(dir, ServerProcess.freePort(), SETTINGS, shippedJvmOptions(cache))) {
            assertThat(server.http.get("/api/status").status()).isEqualTo(200);
            assertThat(server.stderr()).contains("AOT cache");
            assertThat(server.stop()).isZero();
            assertOnlyJsonOnStdout(server);
        }
    }

    @Test
    void aMissingCacheIsReportedAndTheServerStartsWithoutIt() throws Exception {
        try (ServerProcess server = ServerProcess.start(dir, ServerProcess.freePort(), SETTINGS,
                shippedJvmOptions(dir.resolve("never-built.aot")))) {
            assertThat(server.http.get("/readyz").status()).isEqualTo(200);
            assertThat(server.stderr()).contains("AOT cache");
            assertThat(server.stop()).isZero();
            assertOnlyJsonOnStdout(server);
        }
    }

    /** The JVM options of the shipped systemd unit's ExecStart, its AOT cache replaced by {@code cache}. */
    private static List<String> shippedJvmOptions(Path cache) throws IOException {
        String exec = Files.readAllLines(ServerProcess.repoRoot().resolve("docs/deploy/dytallix-api.service")).stream()
                .filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        List<String> words = Arrays.asList(exec.substring("ExecStart=".length()).split("\\s+"));
        List<String> options = new ArrayList<>(words.subList(1, words.indexOf("-jar")));
        assertThat(options).as("the unit starts with an AOT cache").anyMatch(o -> o.startsWith("-XX:AOTCache="));
        options.replaceAll(o -> o.startsWith("-XX:AOTCache=") ? "-XX:AOTCache=" + cache : o);
        return options;
    }

    /** The launcher jar and libs/ of {@code from}, copied to {@code to}. */
    private static Path copyDistribution(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from.resolve("libs"))) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(from.relativize(file).toString()));
            }
        }
        Files.copy(from.resolve("dytallix-api.jar"), to.resolve("dytallix-api.jar"));
        return to;
    }

    private static void assertOnlyJsonOnStdout(ServerProcess server) throws IOException {
        assertThat(server.stdout().lines().toList()).isNotEmpty().allSatisfy(line -> assertThat(line).startsWith("{"));
    }
}
