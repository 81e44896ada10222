package com.dytallix.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.LiveServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code backup} and {@code restore} commands on the default store, as an operator types them in
 * the working directory: a backup while the server runs, a restore refused while it runs and, with
 * it stopped, bringing back a lost database from the archive named relative to the directory.
 */
class BackupCommandsTest {
    private static final Map<String, String> SETTINGS = Map.of("PORT", "0", "HOST", "127.0.0.1", "DEV_BLOCK_TIME_MS", "200");

    @TempDir
    Path dir;

    @Test
    void aBackupTakenWhileServingBringsBackALostDatabase() throws Exception {
        String grantId;
        String archive;
        try (LiveServer server = LiveServer.start(SETTINGS, dir)) {
            Response granted = server.http.post("/api/faucet", "{\"address\": \"0x000000000000000000000000000000000000bEEF\"}");
            assertThat(granted.status()).as(granted.body()).isIn(200, 202);
            grantId = granted.field("grantId");

            Matcher written = Pattern.compile("backup written: (\\S+)").matcher(run(Main.OK, "backup"));
            assertThat(written.find()).isTrue();
            assertThat(Path.of(written.group(1)).getParent()).isEqualTo(dir.resolve("backups"));
            archive = "backups/" + Path.of(written.group(1)).getFileName();
            assertThat(archive).matches("backups/dytallix-backup-\\d{8}_\\d{6}\\.tar\\.gz");

            assertThat(run(Main.FAILED, "restore", archive)).contains("the server is running (")
                    .contains("dytallix.db.lock is held); stop every instance first");
        }
        Files.delete(dir.resolve("data/dytallix.db"));

        assertThat(run(Main.OK, "restore", archive)).contains("from " + dir.resolve(archive));
        assertThat(run(Main.FAILED, "restore", "backups/none.tar.gz")).contains("no backup archive at " + dir.resolve("backups/none.tar.gz"));
        try (LiveServer server = LiveServer.start(SETTINGS, dir)) {
            assertThat(server.http.grant(grantId).status()).isEqualTo(200);
        }
    }

    private String run(int expectedExit, String... args) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        int code = Main.run(args, SETTINGS, dir, out, out);
        String said = text.toString(StandardCharsets.UTF_8);
        assertThat(code).as("%s: %s", String.join(" ", args), said).isEqualTo(expectedExit);
        return said;
    }
}
