package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
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
        LiveServer.closeAll(server, anvil);
    }

    @Test
    void sigtermClosesTheDatabaseAndExitsZero() throws Exception {
        anvil = AnvilProcess.withBlockTime(1);
        server = ServerProcess.start(dir, Map.of("RPC_URL", anvil.rpcUrl().toString(), "FAUCET_PRIVATE_KEY", AnvilProcess.ACCOUNT_0_KEY,
                "ADMIN_TOKEN", LiveServer.ADMIN_TOKEN, "LOG_LEVEL", "info"));
        assertThat(server.http.post("/api/faucet?wait=confirmed", "{\"address\": \"0x000000000000000000000000000000000000bEEF\"}").status())
                .isEqualTo(200);
        assertThat(dir.resolve("data/dytallix.db-wal")).as("WAL while serving").exists();

        ServerProcess.Output output = server.stop();

        assertThat(output.exitCode()).isZero();
        assertThat(output.stdout()).contains("\"message\":\"dytallix-api stopped\"");
        assertThat(dir.resolve("data/dytallix.db-wal")).as("WAL left behind: the database was not closed").doesNotExist();
    }
}
