package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.LedgerFile;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Recipients;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Another process holding SQLite's one write lock past the busy timeout, as a paused instance would. */
class DatabaseBusyTest {
    @TempDir
    Path dir;

    @Test
    void aGrantWhoseWriteWaitsPastTheBusyTimeoutIsAnswered503WithRetryAfterAndPaidOnceRetried() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start(List.of());
             LiveServer server = LiveServer.start(LiveServer.unlimitedSettingsFor(anvil, Map.of()), dir)) {
            ApiClient client = server.http;
            LedgerFile ledger = new LedgerFile(dir);
            String address = Recipients.fresh();
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(LedgerFile.DB_PATH));
                 Statement statement = other.createStatement()) {
                statement.execute("BEGIN IMMEDIATE"); // a process paused inside its write transaction

                Response busy = client.drip(address);

                assertThat(busy.status()).as("%s", busy.body()).isEqualTo(503);
                assertThat(busy.field("code")).isEqualTo("DATABASE_BUSY");
                assertThat(busy.field("requestId")).isNotBlank();
                assertThat(busy.body()).doesNotContainIgnoringCase("sqlite").doesNotContain("locked");
                assertThat(busy.headers().firstValue("Retry-After")).contains("1");
                statement.execute("ROLLBACK");
            }
            assertThat(ledger.grantsTo(address)).as("nothing was admitted").isEmpty();

            Response paid = client.drip(address, Optional.empty(), false);
            assertThat(paid.status()).as("%s", paid.body()).isEqualTo(200);
            client.awaitGrant(paid.field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(60));
            assertThat(ledger.grantsTo(address)).hasSize(1);
        }
    }
}
