package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.adapters.persistence.EmbeddedPostgres;
import com.dytallix.adapters.persistence.PostgresUrl;
import com.dytallix.bootstrap.Main;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Recipients;
import com.dytallix.bootstrap.testing.ServerProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The password in DATABASE_URL is a secret: it never shows in check-config, in the error of a start
 * that cannot reach the database, nor in anything a running server says (logs, status, metrics,
 * health). The test database trusts local connections, so any password connects.
 */
class DatabasePasswordIT {
    private static final String PASSWORD = "Pw-4f9c2e71-never-shown";

    @TempDir
    Path dir;

    @Test
    void checkConfigAndAFailedStartNeverShowThePassword() {
        String unreachable = "postgresql://dyt:" + PASSWORD + "@127.0.0.1:" + ServerProcess.freePort() + "/dytallix";
        Result config = run(Map.of("DATABASE_URL", unreachable), "check-config");
        assertThat(config.out() + config.err()).contains("DATABASE_URL").doesNotContain(PASSWORD);

        Result malformed = run(Map.of("DATABASE_URL", "mysql://dyt:" + PASSWORD + "@127.0.0.1/dytallix"), "check-config");
        assertThat(malformed.code()).isNotZero();
        assertThat(malformed.out() + malformed.err()).contains("DATABASE_URL").doesNotContain(PASSWORD);

        Result migrate = run(Map.of("DATABASE_URL", unreachable), "migrate");
        assertThat(migrate.code()).isNotZero();
        assertThat(migrate.out() + migrate.err()).isNotBlank().doesNotContain(PASSWORD);
    }

    @Test
    void aRunningServerNeverShowsThePassword() throws Exception {
        PostgresUrl db = EmbeddedPostgres.shared().newDatabase();
        String url = "postgresql://" + db.user() + ":" + PASSWORD + "@" + db.host() + ":" + db.port() + "/" + db.database();
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1)) {
            Map<String, String> settings = new HashMap<>(LiveServer.unlimitedSettingsFor(anvil,
                    Map.of("DATABASE_URL", url, "LOG_LEVEL", "debug")));
            try (ServerProcess server = ServerProcess.start(dir, ServerProcess.freePort(), settings)) {
                server.http.drip(Recipients.fresh());
                StringBuilder said = new StringBuilder();
                for (String path : new String[] {"/api/status", "/metrics", "/readyz", "/healthz", "/observe/health"}) {
                    said.append(server.http.get(path).body());
                }
                assertThat(server.http.get("/api/status").field("payer")).isNotBlank();
                assertThat(said).doesNotContain(PASSWORD);
                assertThat(server.stop()).isZero();
                assertThat(server.stdout() + server.stderr()).as("the server's logs").isNotBlank().doesNotContain(PASSWORD);
            }
        }
    }

    private record Result(int code, String out, String err) {
    }

    private Result run(Map<String, String> env, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, env, dir, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
