package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Fingerprint;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.TestAdmission;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.UnsignedTransaction;
import io.helidon.dbclient.DbRow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runbook's SQL, character for character, against a database written by the repositories. */
class RunbookSqlTest {
    static final String RECENT_GRANTS_BY_IP = "SELECT ip, COUNT(*) as count FROM faucet_grants WHERE created_at > datetime('now', '-1 hour') GROUP BY ip ORDER BY count DESC LIMIT 10;";
    static final String SUSPICIOUS_IPS = "SELECT ip, COUNT(DISTINCT address) as addresses FROM request_fingerprints WHERE created_at > datetime('now', '-1 hour') GROUP BY ip HAVING addresses > 5;";
    static final String INTEGRITY = "PRAGMA integrity_check;";
    static final String ALERT = "SELECT COUNT(*) FROM faucet_grants WHERE created_at > datetime('now', '-1 hour')";
    static final String PRUNE_GRANTS = "DELETE FROM faucet_grants WHERE created_at < datetime('now', '-30 days');";
    static final String PRUNE_FINGERPRINTS = "DELETE FROM request_fingerprints WHERE created_at < datetime('now', '-7 days');";
    static final String OPTIMIZE = "PRAGMA optimize;";

    private static final Address FAUCET = new Address("0x00000000000000000000000000000000000000fa");

    @TempDir
    Path dir;
    private Path file;
    private SqliteDatabase db;
    private SqlGrantLedger ledger;

    @BeforeEach
    void writeThroughTheRepositories() {
        file = dir.resolve("data/dytallix.db");
        db = SqliteDatabase.open(file);
        new Migrations(db).migrate();
        ledger = new SqlGrantLedger(db);
        Instant now = Instant.now();
        for (int minutes : new int[] {10, 20, 30, 120}) {
            grant("198.51.100.1", minutes, now.minus(Duration.ofMinutes(minutes)));
        }
        grant("198.51.100.2", 5, now.minus(Duration.ofMinutes(5)));
        confirm(grant("198.51.100.3", 31 * 1440, now.minus(Duration.ofDays(31))), now);
        ledger.markFailed(grant("198.51.100.3", 40 * 1440, now.minus(Duration.ofDays(40))).id(), "reverted", now);
        confirm(grant("198.51.100.3", 29 * 1440, now.minus(Duration.ofDays(29))), now);
        for (int a = 0; a < 7; a++) {
            fingerprint("203.0.113.9", 100 + a, now.minus(Duration.ofMinutes(a + 1)));
            fingerprint("203.0.113.9", 100 + a, now.minus(Duration.ofMinutes(a + 2)));
        }
        fingerprint("203.0.113.9", 200, now.minus(Duration.ofHours(2)));
        for (int a = 0; a < 3; a++) {
            fingerprint("203.0.113.10", 300 + a, now.minus(Duration.ofMinutes(a + 1)));
        }
        fingerprint("203.0.113.11", 400, now.minus(Duration.ofDays(8)));
        fingerprint("203.0.113.11", 401, now.minus(Duration.ofDays(9)));
        fingerprint("203.0.113.11", 402, now.minus(Duration.ofDays(6)));
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void theRunbookQueriesWorkVerbatimThroughJdbc() {
        assertThat(rows(RECENT_GRANTS_BY_IP)).containsExactly("198.51.100.1|3", "198.51.100.2|1");
        assertThat(rows(SUSPICIOUS_IPS)).containsExactly("203.0.113.9|7");
        assertThat(rows(ALERT)).containsExactly("4");
        assertThat(rows(INTEGRITY)).containsExactly("ok");

        assertThat(db.<Long>write(tx -> tx.dml(PRUNE_GRANTS))).isEqualTo(2);
        assertThat(db.<Long>write(tx -> tx.dml(PRUNE_FINGERPRINTS))).isEqualTo(2);
        assertThat(rows(OPTIMIZE)).isEmpty();

        assertRetentionKeptTheRest();
    }

    @Test
    void theRunbookCommandsWorkVerbatimInTheSqlite3Shell() throws Exception {
        assumeTrue(sqlite3Available(), "sqlite3 is not on the PATH");

        assertThat(sqlite3(RECENT_GRANTS_BY_IP)).containsExactly("198.51.100.1|3", "198.51.100.2|1");
        assertThat(sqlite3(SUSPICIOUS_IPS)).containsExactly("203.0.113.9|7");
        assertThat(sqlite3(ALERT)).containsExactly("4");
        assertThat(sqlite3(INTEGRITY)).containsExactly("ok");
        assertThat(sqlite3(PRUNE_GRANTS)).isEmpty();
        assertThat(sqlite3(PRUNE_FINGERPRINTS)).isEmpty();
        assertThat(sqlite3(OPTIMIZE)).isEmpty();

        // the shell runs without foreign keys; the trigger still took the hashes along
        assertRetentionKeptTheRest();
    }

    private void assertRetentionKeptTheRest() {
        assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM faucet_grants")).isEqualTo(6);
        assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM grant_tx_hashes")).isEqualTo(1);
        assertThat(TestSql.number(db,
                "SELECT COUNT(*) AS n FROM grant_tx_hashes WHERE grant_id NOT IN (SELECT id FROM faucet_grants)")).isZero();
        assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM request_fingerprints WHERE ip = '203.0.113.11'"))
                .isEqualTo(1);
        assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM request_fingerprints")).isEqualTo(19);
    }

    private Grant grant(String ip, int n, Instant at) {
        Reservation reservation = TestAdmission.reserve(ledger, new Address("0x%040x".formatted(n)), ClientIp.parse(ip), Wei.ofDyt("10"), at);
        return ((Reservation.Reserved) reservation).grant();
    }

    private void confirm(Grant grant, Instant at) {
        TxHash hash = new TxHash("0x%064x".formatted(grant.address().bytes()[19] & 0xff));
        ledger.markSigned(grant.id(), new SignedTransaction(FAUCET, new UnsignedTransaction(31337, 1, grant.address(),
                grant.amount(), UnsignedTransaction.TRANSFER_GAS, new Fees.Legacy(Wei.of(1))), "0x01", hash), at,
                TestSql.lease(db));
        ledger.markSubmitted(grant.id(), at);
        ledger.markConfirmed(grant.id(), hash, 10, at);
    }

    private void fingerprint(String ip, int address, Instant at) {
        ledger.recordFingerprint(new Fingerprint(ClientIp.parse(ip), ClientIp.parse(ip).client(64), new Address("0x%040x".formatted(address)),
                "curl/8.5", "fp", "granted", at));
    }

    /** Rows as the sqlite3 shell prints them: columns joined by "|". */
    private List<String> rows(String sql) {
        return db.<List<String>>read(exec -> {
            try (Stream<DbRow> rows = exec.query(sql)) {
                return rows.map(row -> {
                    List<String> columns = new ArrayList<>();
                    row.forEach(column -> columns.add(column.name()));
                    // by position: the columns in the order the query names them
                    return IntStream.rangeClosed(1, columns.size())
                            .mapToObj(i -> String.valueOf(row.column(i).get()))
                            .collect(Collectors.joining("|"));
                }).toList();
            }
        });
    }

    private List<String> sqlite3(String sql) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("sqlite3", file.toString(), sql).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output.lines().filter(line -> !line.isBlank()).collect(Collectors.toList());
    }

    private static boolean sqlite3Available() {
        try {
            Process process = new ProcessBuilder("sqlite3", "-version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
