package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.grant.Fingerprint;
import com.dytallix.domain.grant.GrantLedger;
import com.dytallix.domain.grant.GrantLedgerContract;
import com.dytallix.domain.payer.PayerLeases;
import java.nio.file.Path;
import java.time.Instant;
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

    private long rows() {
        return TestSql.number(database, "SELECT COUNT(*) AS n FROM request_fingerprints");
    }

    private static Fingerprint fingerprint(int n, Instant at) {
        ClientIp ip = ClientIp.parse("10.0.%d.%d".formatted(n / 250, n % 250));
        return new Fingerprint(ip, ip.client(64), new Address("0x%040x".formatted(n + 1)), "curl/8", "fp" + n, "rate_limit", at);
    }
}
