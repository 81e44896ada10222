package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.grant.Fingerprint;
import com.dytallix.domain.grant.GrantLedger;
import com.dytallix.domain.grant.GrantLedgerContract;
import com.dytallix.domain.payer.PayerLeases;
import java.nio.file.Path;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.TestAdmission;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteGrantLedgerTest extends GrantLedgerContract {
    @TempDir
    Path dir;
    private SqliteDatabase database;

    @Override
    protected GrantLedger newLedger() {
        database = SqliteDatabase.open(dir.resolve("data/dytallix.db"));
        new Migrations(database).migrate();
        return new SqlGrantLedger(database);
    }

    @Override
    protected PayerLeases leasesOfLedger() {
        return new SqlPayerLeases(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void aRecordedFingerprintIsNeverWrittenByItsRequestAndPastTheMostHeldOneIsDroppedAndCounted() {
        SqlGrantLedger sql = (SqlGrantLedger) ledger;
        Instant now = Instant.now();
        for (int i = 0; i < 10; i++) {
            sql.recordFingerprint(fingerprint(i, now));
        }
        assertThat(rows()).isZero();
        sql.flushFingerprints();
        assertThat(rows()).isEqualTo(10);

        // no writer (as in the commands): the requests hold them, up to the bound, and never write
        int most = SqlGrantLedger.FINGERPRINTS_HELD_MOST;
        for (int i = 0; i < most + 5; i++) {
            sql.recordFingerprint(fingerprint(i, now));
        }
        assertThat(rows()).isEqualTo(10);
        assertThat(sql.fingerprintsDropped()).isEqualTo(5);
        sql.flushFingerprints();
        assertThat(rows()).isEqualTo(10 + most);
        assertThat(TestSql.number(database, "SELECT COUNT(DISTINCT address) AS n FROM request_fingerprints")).isEqualTo(most);

        // room again once written
        sql.recordFingerprint(fingerprint(0, now));
        sql.flushFingerprints();
        assertThat(rows()).isEqualTo(10 + most + 1);
        assertThat(sql.fingerprintsDropped()).isEqualTo(5);
    }

    @Test
    void theWriterWritesAHeldBatchAtOnceAndWhatIsStillHeldAtClose() throws InterruptedException {
        SqlGrantLedger sql = (SqlGrantLedger) ledger;
        Instant now = Instant.now();
        sql.startFingerprintWriter(Duration.ofHours(1)); // its timer never fires here: only a full batch wakes it
        int batch = SqlGrantLedger.FINGERPRINT_BATCH;
        for (int i = 0; i < batch; i++) {
            sql.recordFingerprint(fingerprint(i, now));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (rows() < batch && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(rows()).as("a full batch written without a flush").isEqualTo(batch);

        for (int i = 0; i < 7; i++) {
            sql.recordFingerprint(fingerprint(i, now));
        }
        assertThat(rows()).isEqualTo(batch);
        sql.close();
        assertThat(rows()).as("held at close, written by it").isEqualTo(batch + 7);
    }

    @Test
    void everyIndexOfTheFingerprintsServesANamedQuery() {
        // the suspicious-activity rule, retention, and the runbook's addresses-per-IP query
        // the rule's own condition on the outcome, as the partial index has it (V013): blocked requests' rows stay out of it
        assertThat(plan("SELECT address, created_at FROM request_fingerprints WHERE client = '10.0.0.1' AND created_at > '2026-01-01'"
                + " AND outcome <> '" + Fingerprint.BLOCKED + "'"))
                .contains("request_fingerprints_client_created");
        assertThat(plan("SELECT address, created_at FROM request_fingerprints WHERE client = '10.0.0.1' AND created_at > '2026-01-01'"))
                .doesNotContain("request_fingerprints_client_created");
        assertThat(plan("DELETE FROM request_fingerprints WHERE created_at < '2026-01-01'")).contains("request_fingerprints_created");
        assertThat(plan("SELECT ip, COUNT(DISTINCT address) as addresses FROM request_fingerprints"
                + " WHERE created_at > datetime('now', '-1 hour') GROUP BY ip HAVING addresses > 5"))
                .contains("SEARCH request_fingerprints USING INDEX request_fingerprints_created");
        assertThat(TestSql.number(database, "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index'"
                + " AND tbl_name = 'request_fingerprints' AND name NOT LIKE 'sqlite_autoindex%'")).isEqualTo(2);
    }

    private String plan(String sql) {
        return database.read(db -> {
            try (var rows = db.query("EXPLAIN QUERY PLAN " + sql)) {
                return rows.map(r -> String.valueOf(r.column("detail").get())).collect(java.util.stream.Collectors.joining("\n"));
            }
        });
    }

    @Test
    void theMinutesTotalsCountEveryGrantRoundedUpToWholeGweiAndTheMigrationCountsTheGrantsBeforeIt() {
        Instant minute = Instant.parse("2026-03-01T12:00:00Z");
        List<String> amounts = List.of("1", "1000000000", "1000000001", "10000000000000000000");
        for (int i = 0; i < amounts.size(); i++) {
            TestAdmission.reserve(ledger, new Address("0x%040x".formatted(i + 1)), ClientIp.parse("10.0.0." + (i + 1)),
                    Wei.parse(amounts.get(i)), minute.plusSeconds(10 * i));
        }
        String perMinute = "SELECT SUM(gwei) AS n FROM paid_per_minute WHERE minute = '2026-03-01 12:00'";
        long expected = 1 + 1 + 2 + 10_000_000_000L;
        assertThat(TestSql.number(database, perMinute)).isEqualTo(expected);

        // the totals of grants an older server made, as the migration fills them in
        database.write(tx -> tx.dml("DELETE FROM paid_per_minute"));
        String fill = Migrations.load("db/migration/", "V008__paid_per_minute.sql").statements().get(1);
        database.write(tx -> tx.dml(fill));
        assertThat(TestSql.number(database, perMinute)).isEqualTo(expected);
    }

    private long rows() {
        return TestSql.number(database, "SELECT COUNT(*) AS n FROM request_fingerprints");
    }

    private static Fingerprint fingerprint(int n, Instant at) {
        ClientIp ip = ClientIp.parse("10.0.%d.%d".formatted(n / 250, n % 250));
        return new Fingerprint(ip, ip.client(64), new Address("0x%040x".formatted(n + 1)), "curl/8", "fp" + n, "rate_limit", at);
    }
}
