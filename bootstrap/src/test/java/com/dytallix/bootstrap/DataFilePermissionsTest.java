package com.dytallix.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.LiveServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The database, its WAL, the keys and the backups are readable by their owner only, whatever the umask. */
class DataFilePermissionsTest {
    @TempDir
    Path dir;

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void dataFilesAndBackupsAreOwnerOnly() throws Exception {
        Map<String, String> settings = Map.of("PORT", "0", "HOST", "127.0.0.1", "DEV_BLOCK_TIME_MS", "200");
        try (LiveServer server = LiveServer.start(settings, dir)) {
            assertThat(server.http.post("/api/faucet", "{\"address\": \"0x000000000000000000000000000000000000bEEF\"}").status())
                    .isIn(200, 202);
            Path data = dir.resolve("data");
            assertThat(mode(data)).isEqualTo("rwx------");
            assertThat(mode(data.resolve("dytallix.db"))).isEqualTo("rw-------");
            assertThat(mode(data.resolve("dytallix.db-wal"))).isEqualTo("rw-------");
            assertThat(mode(data.resolve("dytallix.db.lock"))).isEqualTo("rw-------");
            assertThat(mode(data.resolve("faucet.key"))).isEqualTo("rw-------");
            assertThat(mode(data.resolve("admin.token"))).isEqualTo("rw-------");
        }
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        assertThat(Main.run(new String[] {"backup"}, Map.of(), dir, quiet, quiet)).isEqualTo(Main.OK);
        assertThat(mode(dir.resolve("backups"))).isEqualTo("rwx------");
        try (Stream<Path> archives = Files.list(dir.resolve("backups"))) {
            assertThat(archives).isNotEmpty().allSatisfy(a -> assertThat(mode(a)).isEqualTo("rw-------"));
        }
    }
}
