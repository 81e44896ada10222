package com.dytallix.bootstrap.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code ./dyt} starts the JVM with the AOT cache only on a JDK that makes and reads the build's caches
 * (25 and later). A cache left by a build on JDK 25 while JAVA_HOME now names an older JDK was passed to
 * it, and a JDK before 24 does not know {@code -XX:AOTCache}: the server did not start at all.
 */
class LauncherAotCacheTest {
    @TempDir
    Path root;

    @ParameterizedTest
    @CsvSource({"21.0.5, false", "23.0.1, false", "25.0.3, true", "26, true"})
    void theCacheIsGivenOnlyToAJdkThatReadsIt(String version, boolean given) throws Exception {
        Files.copy(ServerProcess.repoRoot().resolve("dyt"), root.resolve("dyt"));
        Path target = Files.createDirectories(root.resolve("bootstrap/target"));
        Instant now = Instant.now();
        Files.writeString(target.resolve("dytallix-api.jar"), "");
        Files.setLastModifiedTime(target.resolve("dytallix-api.jar"), FileTime.from(now.minusSeconds(60)));
        Files.writeString(target.resolve("dytallix-api.aot"), ""); // made after the jar, as ./dyt build makes it
        // a JDK of that version whose java prints the options it was given
        Path jdk = Files.createDirectories(root.resolve("jdk/bin"));
        Files.writeString(jdk.getParent().resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        for (String tool : new String[] {"java", "javac"}) {
            Path script = jdk.resolve(tool);
            Files.writeString(script, "#!/bin/sh\necho \"$@\"\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }

        ProcessBuilder builder = new ProcessBuilder("bash", "dyt", "version").directory(root.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", jdk.getParent().toString());
        builder.environment().remove("RPC_URL");
        Process dyt = builder.start();
        String printed = new String(dyt.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(dyt.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(dyt.exitValue()).as(printed).isZero();
        assertThat(printed).as("the java command's options").contains("-jar " + target.resolve("dytallix-api.jar") + " version");
        assertThat(printed.contains("-XX:AOTCache=" + target.resolve("dytallix-api.aot"))).as(printed).isEqualTo(given);
    }
}
