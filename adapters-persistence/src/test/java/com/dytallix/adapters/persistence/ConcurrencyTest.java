package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.AuditEntry;
import com.dytallix.domain.grant.Fingerprint;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantQuery;
import com.dytallix.domain.grant.TestAdmission;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.key.UnsignedTransaction;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many writers and readers on one file, plus a writer outside this handle: no "database is locked" escapes. */
class ConcurrencyTest {
    private static final int WRITERS = 8;
    private static final int GRANTS_PER_WRITER = 25;
    private static final Address FAUCET = new Address("0x00000000000000000000000000000000000000fa");

    @TempDir
    Path dir;

    @Test
    void concurrentWritersAndReadersNeverSeeALockedDatabase() throws Exception {
        Path file = dir.resolve("dytallix.db");
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger foreignWrites = new AtomicInteger();
        try (SqliteDatabase db = SqliteDatabase.open(file)) {
            new Migrations(db).migrate();
            SqlGrantLedger ledger = new SqlGrantLedger(db);
            SqlFaucetControls controls = new SqlFaucetControls(db, Persistence.SHARED_STATE_REFRESH);
            Lease lease = TestSql.lease(db);
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 5);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    await(start);
                    for (int i = 0; i < GRANTS_PER_WRITER; i++) {
                        try {
                            writeOneGrant(ledger, controls, lease, writer, i);
                        } catch (Throwable t) {
                            failures.add(t);
                        }
                    }
                }));
            }
            List<Future<?>> others = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                others.add(pool.submit(() -> {
                    await(start);
                    while (writing.get()) {
                        try {
                            ledger.unfinished();
                            ledger.search(new GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                                    Optional.empty(), 50));
                            ledger.budget(TestAdmission.UNLIMITED, Instant.now());
                            controls.pauseState();
                        } catch (Throwable t) {
                            failures.add(t);
                        }
                    }
                }));
            }
            // Another writer on the file that does not share this handle's lock, like the prune command
            // or an operator's sqlite3 session: only the busy timeout keeps the two apart.
            others.add(pool.submit(() -> {
                await(start);
                try (Connection foreign = DriverManager.getConnection("jdbc:sqlite:" + file);
                     Statement setup = foreign.createStatement()) {
                    setup.execute("PRAGMA busy_timeout = " + SqliteDatabase.BUSY_TIMEOUT_MS);
                    while (writing.get()) {
                        setup.execute("BEGIN IMMEDIATE");
                        try (PreparedStatement insert = foreign.prepareStatement(
                                "INSERT INTO audit_log (at, action, ip, outcome, detail) VALUES (?, 'foreign', '127.0.0.1', 'ok', '')")) {
                            insert.setString(1, Timestamps.now());
                            insert.executeUpdate();
                        }
                        setup.execute("COMMIT");
                        foreignWrites.incrementAndGet();
                        // a human or a cron job, not a spinning loop: SQLite's busy wait is not fair
                        Thread.sleep(5);
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
            start.countDown();
            for (Future<?> writer : writers) {
                writer.get();
            }
            writing.set(false);
            for (Future<?> other : others) {
                other.get();
            }
            pool.shutdown();

            assertThat(failures).isEmpty();
            assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM faucet_grants WHERE status = 'submitted'"))
                    .isEqualTo(WRITERS * GRANTS_PER_WRITER);
            assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM grant_tx_hashes"))
                    .isEqualTo(WRITERS * GRANTS_PER_WRITER);
            assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'foreign'"))
                    .isEqualTo(foreignWrites.get()).isPositive();
            assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'grant'"))
                    .isEqualTo(WRITERS * GRANTS_PER_WRITER);
        }
    }

    private static void writeOneGrant(SqlGrantLedger ledger, SqlFaucetControls controls, Lease lease, int writer, int i) {
        int n = writer * 10_000 + i;
        Address to = new Address("0x%040x".formatted(n + 1));
        Instant now = Instant.now();
        Reservation reservation = TestAdmission.reserve(ledger, to, ClientIp.parse("10.0.%d.%d".formatted(writer, i % 250)), Wei.ofDyt("10"), now);
        Grant grant = ((Reservation.Reserved) reservation).grant();
        ledger.recordFingerprint(new Fingerprint(grant.ip(), grant.ip().client(64), to, "test", "fp", "granted", now));
        ledger.markSigned(grant.id(), new SignedTransaction(FAUCET, new UnsignedTransaction(31337, n, to, grant.amount(),
                UnsignedTransaction.TRANSFER_GAS, new Fees.Legacy(Wei.of(1))), "0x01", new TxHash("0x%064x".formatted(n))),
                now, lease);
        ledger.markSubmitted(grant.id(), now);
        controls.audit(new AuditEntry(now, "grant", grant.ip(), "ok", grant.id().value()));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
