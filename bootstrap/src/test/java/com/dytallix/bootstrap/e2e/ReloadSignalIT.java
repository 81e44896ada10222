package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.Recipients;
import com.dytallix.bootstrap.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared runbook's logrotate step ends with {@code systemctl reload dytallix-api}, which the shipped
 * unit turns into SIGHUP. The JVM's default for SIGHUP is to exit (status 129) without the graceful
 * stop: a log rotation would have stopped the faucet, with its database left unclosed.
 */
class ReloadSignalIT {
    @TempDir
    Path dir;

    @Test
    void sighupLeavesTheServerRunningAndSaysThereIsNothingToReload() throws Exception {
        try (ServerProcess server = ServerProcess.start(dir, ServerProcess.freePort(), Map.of())) {
            server.hangUp();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!server.stdout().contains("SIGHUP (reload)") && System.nanoTime() < deadline) {
                assertThat(server.awaitExit(Duration.ofMillis(50))).as("exit after SIGHUP; log:%n%s", server.logTail()).isEmpty();
            }
            assertThat(server.stdout()).contains("SIGHUP (reload): nothing to reload, the server keeps running");
            assertThat(server.awaitExit(Duration.ofSeconds(1))).as("still running after SIGHUP").isEmpty();
            assertThat(server.http.get("/readyz").status()).isEqualTo(200);
            assertThat(server.http.drip(Recipients.fresh()).status()).isIn(200, 202);

            assertThat(server.stop()).as("the graceful stop's exit status; log:%n%s", server.logTail()).isZero();
        }
        assertThat(Files.exists(dir.resolve("data/dytallix.db-wal"))).as("the database closed cleanly").isFalse();
    }
}
