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
    void fingerprintsAreWrittenInBatchesByAFlushOrWhenTooManyAreHeld() {
        SqlGrantLedger sql = (SqlGrantLedger) ledger;
        Instant now = Instant.now();
        for (int i = 0; i < 10; i++) {
            sql.recordFingerprint(fingerprint(i, now));
        }
        assertThat(rows()).isZero();
        sql.flushFingerprints();
        assertThat(rows()).isEqualTo(10);

        // memory stays bounded without any flush: the request that fills the batch writes it
        for (int i = 0; i < 2500; i++) {
            sql.recordFingerprint(fingerprint(i, now));
        }
        assertThat(rows()).isEqualTo(10 + 2000);
        sql.flushFingerprints();
        assertThat(rows()).isEqualTo(10 + 2500);
        assertThat(TestSql.number(database, "SELECT COUNT(DISTINCT address) AS n FROM request_fingerprints")).isEqualTo(2500);
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
