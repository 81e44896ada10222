package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.adapters.persistence.EmbeddedPostgres;
import com.dytallix.adapters.persistence.PostgresUrl;
import com.dytallix.bootstrap.Main;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Recipients;
import com.dytallix.bootstrap.testing.Required;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documented PostgreSQL backup and restore, for real: {@code backup} runs {@code pg_dump} against
 * a live ledger, the database is dropped and created again empty, {@code restore} runs {@code
 * pg_restore}, and the server starts on the result (its migrations verify) with every grant, the
 * quotas they hold and the pause state as they were, and pays the next request. The server is
 * PostgreSQL 15 because Debian bookworm's client programs are 15 and {@code pg_dump} refuses a newer
 * server. Without {@code pg_dump} the test is skipped, except under CI, where it fails.
 */
class PostgresBackupRestoreTest {
    private static final String AUTH = "Bearer " + LiveServer.ADMIN_TOKEN;

    @TempDir
    Path dir;

    @Test
    void aDumpOfALiveLedgerRestoredIntoAnEmptyDatabaseCarriesOnAsBefore() throws Exception {
        requirePgDump15();
        EmbeddedPostgres postgres = EmbeddedPostgres.shared15();
        PostgresUrl db = postgres.newDatabase();
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1)) {
            Map<String, String> settings = LiveServer.settingsFor(anvil);
            settings.put("DATABASE_URL", "postgresql://" + db.user() + "@" + db.host() + ":" + db.port() + "/" + db.database());
            Map<String, String> grants = new LinkedHashMap<>(); // grant id → its transaction hash
            List<String> recipients = new ArrayList<>();
            Path dump;
            try (LiveServer server = LiveServer.start(settings, dir)) {
                for (int i = 0; i < 3; i++) {
                    String to = Recipients.fresh();
                    Response granted = server.http.drip(to);
                    assertThat(granted.status()).as("grant: %s", granted.body()).isIn(200, 202);
                    String id = granted.field("grantId");
                    grants.put(id, server.http.awaitGrant(id, ApiClient.status("confirmed"), Duration.ofSeconds(60))
                            .get("txHash").asText());
                    recipients.add(to);
                }
                assertThat(server.http.post("/api/admin/pause", "{\"reason\": \"restore drill\"}", "Authorization", AUTH)
                        .status()).isEqualTo(200);

                // the backup is taken while the server runs
                String said = command(settings, "backup");
                Matcher written = Pattern.compile("backup written: (\\S+dytallix-backup-\\d{8}_\\d{6}\\.dump)").matcher(said);
                assertThat(written.find()).as("backup said: %s", said).isTrue();
                dump = Path.of(written.group(1));
                assertThat(dump.getParent()).isEqualTo(dir.resolve("backups"));
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dump))).isEqualTo("rw-------");
            }

            postgres.recreate(db);
            assertThat(command(settings, "restore", dump.toString())).contains("restored the database from " + dump);
            assertThat(command(settings, "migrate")).as("the restored schema, checksums verified")
                    .contains("is up to date");

            try (LiveServer server = LiveServer.start(settings, dir)) {
                for (Map.Entry<String, String> grant : grants.entrySet()) {
                    Response restored = server.http.grant(grant.getKey());
                    assertThat(restored.status()).isEqualTo(200);
                    assertThat(restored.field("status")).isEqualTo("confirmed");
                    assertThat(restored.field("txHash")).isEqualTo(grant.getValue());
                }
                assertThat(server.http.get("/api/status").field("pausedReason")).isEqualTo("restore drill");
                assertThat(server.http.post("/api/admin/resume", "", "Authorization", AUTH).status()).isEqualTo(200);
                for (String to : recipients) {
                    Response again = server.http.drip(to);
                    assertThat(again.status()).as("a second grant to %s: %s", to, again.body()).isEqualTo(429);
                    assertThat(again.json().path("details").path("scope").asText()).isEqualTo("address");
                }
                Response next = server.http.drip(Recipients.fresh());
                assertThat(next.status()).as("the next grant: %s", next.body()).isIn(200, 202);
                server.http.awaitGrant(next.field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(60));
            }
        }
    }

    /** Runs a subcommand in the test's working directory with the server's settings; returns what it printed. */
    private String command(Map<String, String> settings, String... args) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        int code = Main.run(args, settings, dir, out, out);
        String said = text.toString(StandardCharsets.UTF_8);
        assertThat(code).as("%s: %s", String.join(" ", args), said).isEqualTo(Main.OK);
        return said;
    }

    /** pg_dump of major version 15 on the PATH, as Debian bookworm's postgresql-client-15 installs it (.ci/run does). */
    private static void requirePgDump15() throws IOException, InterruptedException {
        String version;
        try {
            Process p = new ProcessBuilder("pg_dump", "--version").redirectErrorStream(true).start();
            version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException notInstalled) {
            version = "";
        }
        String message = "this test needs pg_dump and pg_restore 15 (apt-get install -y postgresql-client-15; .ci/run "
                + "installs it); found: " + (version.isEmpty() ? "none" : version);
        boolean fits = version.matches("pg_dump \\(PostgreSQL\\) 1[5-9][.\\d]*.*");
        Required.tool(fits, message);
    }
}
