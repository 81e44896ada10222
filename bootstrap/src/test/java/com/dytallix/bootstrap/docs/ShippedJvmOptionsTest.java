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

/** The JVM options live in one place, `./dyt jvm-options`: the systemd unit must start the server with the same. */
class ShippedJvmOptionsTest {

    @Test
    void theSystemdUnitRunsTheJvmWithTheLaunchersOptions() throws Exception {
        Path root = ServerProcess.repoRoot();
        ProcessBuilder builder = new ProcessBuilder("bash", root.resolve("dyt").toString(), "jvm-options").redirectErrorStream(true);
        builder.environment().remove("JAVA_OPTS");
        Process dyt = builder.start();
        String printed = new String(dyt.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(dyt.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(dyt.exitValue()).as(printed).isZero();
        List<String> launcher = Arrays.asList(printed.split("\\s+"));

        String exec = Files.readAllLines(root.resolve("docs/deploy/dytallix-api.service")).stream()
                .filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        List<String> words = Arrays.asList(exec.substring("ExecStart=".length()).split("\\s+"));
        List<String> unit = words.subList(1, words.indexOf("-jar")).stream().filter(w -> !w.startsWith("-XX:AOTCache=")).toList();

        assertThat(unit).containsExactlyInAnyOrderElementsOf(launcher);
        assertThat(launcher).contains("-Xmx128m", "-XX:+UseSerialGC", "-XX:TrimNativeHeapInterval=2000", "-XX:+ExitOnOutOfMemoryError");
    }
}
