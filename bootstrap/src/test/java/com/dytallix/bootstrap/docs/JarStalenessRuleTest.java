package com.dytallix.bootstrap.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One rule says when the jar is out of date, for {@code ./dyt serve} and for bench/: a file that goes
 * into the jar (a module's src/main, a pom, docs/openapi.yaml) newer than it, or a directory of
 * src/main (a file deleted). A test, a document or a
 * benchmark script changed since the build rebuilds nothing. Each case runs the real launcher and the
 * real bench/lib.sh in a checkout of the test's own (the launcher, the harness and a few dated files).
 */
class JarStalenessRuleTest {
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private static final List<String> SOURCES = List.of("pom.xml", "application/pom.xml",
            "application/src/main/java/com/dytallix/application/Grant.java",
            "adapters-http/src/main/resources/web/index.html", "docs/openapi.yaml",
            "application/src/test/java/com/dytallix/application/GrantTest.java",
            "adapters-http/src/test/resources/fixture.json", "docs/operations.md", "bench/faucet.sh", "README.md");

    @TempDir
    Path root;

    @BeforeEach
    void checkout() throws IOException {
        Path repo = ServerProcess.repoRoot();
        copy(repo.resolve("dyt"), root.resolve("dyt"));
        copy(repo.resolve("bench/lib.sh"), root.resolve("bench/lib.sh"));
        for (String source : SOURCES) {
            Files.createDirectories(root.resolve(source).getParent());
            Files.writeString(root.resolve(source), "");
            touch(source, 3);
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path directory : all.filter(Files::isDirectory).toList()) {
                touch(root.relativize(directory).toString(), 3);
            }
        }
        Files.createDirectories(root.resolve("bootstrap/target/libs"));
        Files.writeString(root.resolve("bootstrap/target/dytallix-api.jar"), "");
        touch("bootstrap/target/dytallix-api.jar", 2);
        // the AOT cache made after the jar, so only the jar's own staleness is in question
        Files.writeString(root.resolve("bootstrap/target/dytallix-api.aot"), "");
        touch("bootstrap/target/dytallix-api.aot", 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pom.xml", "application/pom.xml", "application/src/main/java/com/dytallix/application/Grant.java",
            "adapters-http/src/main/resources/web/index.html", "docs/openapi.yaml"})
    void aChangeToWhatGoesIntoTheJarMakesItStaleForBoth(String source) throws Exception {
        assertThat(launcherRebuilds()).as("current before the change").isFalse();
        assertThat(run("bash", "-c", "source bench/lib.sh && ensure_server_built && echo current").out()).endsWith("current\n");

        touch(source, 1.5);

        assertThat(launcherRebuilds()).isTrue();
        assertThat(run("bash", "dyt", "stale")).isEqualTo(new Run(0, root.resolve(source) + "\n"));
        Run bench = run("bash", "-c", "source bench/lib.sh && ensure_server_built && echo current");
        assertThat(bench.out()).contains("building the server (./dyt build)").doesNotContain("current");
        assertThat(bench.code()).isNotZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/src/test/java/com/dytallix/application/GrantTest.java",
            "adapters-http/src/test/resources/fixture.json", "docs/operations.md", "bench/faucet.sh", "README.md"})
    void aChangeToATestADocumentOrABenchmarkRebuildsNothing(String source) throws Exception {
        touch(source, 1.5);

        assertThat(launcherRebuilds()).isFalse();
        assertThat(run("bash", "dyt", "stale")).isEqualTo(new Run(1, ""));
        assertThat(run("bash", "-c", "source bench/lib.sh && ensure_server_built && echo current").out())
                .doesNotContain("building").endsWith("current\n");
    }

    /** A class deleted from the sources is still in the jar: its directory's time says so. */
    @Test
    void aDeletedSourceMakesTheJarStale() throws Exception {
        Files.delete(root.resolve("application/src/main/java/com/dytallix/application/Grant.java"));

        assertThat(launcherRebuilds()).isTrue();
        assertThat(run("bash", "dyt", "stale")).isEqualTo(new Run(0, root.resolve("application/src/main/java/com/dytallix/application") + "\n"));
    }

    @Test
    void noJarIsStale() throws Exception {
        Files.delete(root.resolve("bootstrap/target/dytallix-api.jar"));
        assertThat(run("bash", "dyt", "stale")).isEqualTo(new Run(0, root.resolve("bootstrap/target/dytallix-api.jar") + "\n"));
    }

    /**
     * Whether {@code ./dyt serve} starts by building the jar. There is no Maven in this checkout and its
     * jar is empty: the build, or else the server's start, fails at once.
     */
    private boolean launcherRebuilds() throws Exception {
        Run serve = run("bash", "dyt", "serve");
        assertThat(serve.code()).isNotZero();
        return serve.out().contains("dyt: building dytallix-api");
    }

    private record Run(int code, String out) {
    }

    private Run run(String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("TMPDIR", Files.createDirectories(root.resolve("tmp")).toString());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), out);
    }

    /** Dates {@code path} (relative to the checkout) {@code hoursAgo} hours back. */
    private void touch(String path, double hoursAgo) throws IOException {
        Files.setLastModifiedTime(root.resolve(path), FileTime.from(NOW.minusSeconds((long) (hoursAgo * 3600))));
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to);
    }
}
