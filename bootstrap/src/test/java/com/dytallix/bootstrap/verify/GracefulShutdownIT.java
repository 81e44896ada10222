package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Resources;
import com.dytallix.bootstrap.testing.ServerProcess;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CONTRACT §7: SIGTERM stops the packaged server gracefully: exit 0, and the database closed
 * cleanly, which for SQLite in WAL mode means the last connection checkpointed and removed the WAL.
 */
class GracefulShutdownIT {
    @TempDir
    Path dir;
    private AnvilProcess anvil;
    private ServerProcess server;

    @AfterEach
    void stop() throws Exception {
        Resources.closeAll(server, anvil);
    }

    @Test
    void sigtermClosesTheDatabaseAndExitsZero() throws Exception {
        anvil = AnvilProcess.withBlockTime(1);
        Map<String, String> settings = LiveServer.settingsFor(anvil);
        settings.put("LOG_LEVEL", "info");
        server = ServerProcess.start(dir, ServerProcess.freePort(), settings);
        assertThat(server.http.post("/api/faucet?wait=confirmed", "{\"address\": \"0x000000000000000000000000000000000000bEEF\"}").status())
                .isEqualTo(200);
        assertThat(dir.resolve("data/dytallix.db-wal")).as("WAL while serving").exists();

        assertThat(server.stop()).isZero();
        assertThat(server.stdout()).contains("\"message\":\"dytallix-api stopped\"");
        assertThat(dir.resolve("data/dytallix.db-wal")).as("WAL left behind: the database was not closed").doesNotExist();
    }
}
