package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.StoreBusyException;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.faucet.FaucetControlsContract;
import com.dytallix.domain.grant.GrantLedger;
import com.dytallix.domain.grant.GrantLedgerContract;
import com.dytallix.domain.grant.GrantNotices;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.ReservationRequest;
import com.dytallix.domain.key.KeyRotationLog;
import com.dytallix.domain.key.KeyRotationLogContract;
import com.dytallix.domain.payer.InternalTransfers;
import com.dytallix.domain.payer.InternalTransfersContract;
import com.dytallix.domain.payer.PayerLeases;
import com.dytallix.domain.payer.PayerLeasesContract;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every port's contract against a real PostgreSQL 17 server the tests start themselves, plus what only
 * several instances show; {@link Postgres15StoreTest} runs the same against PostgreSQL 15.
 */
class PostgresStoreTest {
    private static final List<PostgresDatabase> OPEN = new ArrayList<>();

    EmbeddedPostgres server() {
        return EmbeddedPostgres.shared();
    }

    PostgresDatabase migratedDatabase() {
        PostgresDatabase db = PostgresDatabase.open(server().newMigratedDatabase());
        OPEN.add(db);
        return db;
    }

    @AfterEach
    void closeAll() {
        OPEN.forEach(PostgresDatabase::close);
        OPEN.clear();
    }

    @Nested
    class Ledger extends GrantLedgerContract {
        private PostgresDatabase db;

        @Override
        protected GrantLedger newLedger() {
            db = migratedDatabase();
            return new SqlGrantLedger(db);
        }

        @Override
        protected PayerLeases leasesOfLedger() {
            return new SqlPayerLeases(db);
        }

        @Test
        @Timeout(60) // when every write ran alone, the reservation waited 10 s for the lock, then failed as busy
        void aReservationRunsBesideAnotherInstancesSigningWriteButWaitsForItsReservationAndAWriteThatRunsAloneWaitsForBoth()
                throws Exception {
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try (Connection other = otherInstance(); Statement statement = other.createStatement()) {
                // another instance inside a signing, submission or settling write
                statement.execute("SELECT pg_advisory_xact_lock_shared(" + PostgresDatabase.WRITER_LOCK + ")");
                reserved(request(address(1), ip("10.0.1.1"), T0));

                // and now inside a reservation as well
                statement.execute("SELECT pg_advisory_xact_lock(" + PostgresDatabase.RESERVATION_LOCK + ")");
                Future<com.dytallix.domain.grant.Grant> second = writer.submit(() -> reserved(request(address(2), ip("10.0.1.2"), T0)));
                awaitWaiting();
                other.commit();
                assertThat(second.get().address()).isEqualTo(address(2));

                // a write that runs alone (a lease's change, say) waits for the hot writes in progress
                statement.execute("SELECT pg_advisory_xact_lock_shared(" + PostgresDatabase.WRITER_LOCK + ")");
                Future<?> release = writer.submit(() -> leases.release(lease));
                awaitWaiting();
                assertThat(release).isNotDone();
                other.commit();
                release.get();
                assertThat(leases.current()).isEmpty();
            } finally {
                writer.shutdownNow();
            }
        }

        @Test
        void aReservationReadsTheBudgetsStoredLevelInItsRulesReadsStatementNotInOneOfItsOwn() {
            reserved(request(address(70), ip("10.0.7.0"), T0)); // the rules' reads learned, a level stored
            List<String> ran = server().statements(db.url(), () -> reserved(request(address(71), ip("10.0.7.1"), T0.plusSeconds(1))));

            assertThat(ran).as("the statements of one reservation's group write").noneMatch(q -> q.contains(" SELECT level_wei, updated_at"))
                    .anyMatch(q -> q.contains("(SELECT level_wei FROM outflow_budget WHERE id = $"));
            // BEGIN, the locks, the rules' reads with the level, the grant, the new level (six before: the level's own read);
            // the driver's commit is not among pg_stat_statements' statements
            assertThat(ran.stream().mapToLong(q -> Long.parseLong(q.substring(0, q.indexOf(' ')))).sum()).as(String.join("\n", ran))
                    .isEqualTo(5);
        }

        @Test
        @Timeout(60) // without the row's lock, the record of the send overwrote the confirmation it had waited for
        void aRowLockedWriteWaitsForAnotherWriteOfTheSameGrantAndJudgesItsOutcome() throws Exception {
            com.dytallix.domain.grant.Grant grant = reserved(request(address(3), ip("10.0.1.3"), T0));
            ledger.markSigned(grant.id(), signed(grant, 0, 3), T0.plusSeconds(1), lease);
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try (Connection other = otherInstance(); Statement statement = other.createStatement()) {
                // another instance's tracker confirming the grant, its transaction not committed yet
                statement.execute("SELECT pg_advisory_xact_lock_shared(" + PostgresDatabase.WRITER_LOCK + ")");
                statement.execute("UPDATE faucet_grants SET status = 'confirmed', landed_hash = '" + hash(3).value()
                        + "', block_number = 7, confirmed_once = 1 WHERE id = '" + grant.id().value() + "'");
                Future<?> submitted = writer.submit(() -> ledger.markSubmitted(grant.id(), T0.plusSeconds(2)));
                awaitWaiting();
                other.commit();
                assertThatThrownBy(submitted::get).hasCauseInstanceOf(com.dytallix.domain.grant.IllegalGrantTransitionException.class);
            } finally {
                writer.shutdownNow();
            }
            assertThat(ledger.find(grant.id()).orElseThrow().status()).isEqualTo(com.dytallix.domain.grant.GrantStatus.CONFIRMED);
        }

        /** A connection to this test's database, as another instance's, inside a transaction. */
        private Connection otherInstance() throws java.sql.SQLException {
            PostgresUrl url = db.url();
            Connection other = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
            other.setAutoCommit(false);
            return other;
        }

        /** Until a session of this database waits for a lock (the write handed to another thread is blocked). */
        private void awaitWaiting() throws Exception {
            PostgresUrl url = db.url();
            // autocommit: each look a transaction of its own (pg_stat_activity stays as first read within one)
            try (Connection look = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
                 Statement statement = look.createStatement()) {
                while (true) {
                    try (java.sql.ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a"
                            + " ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()")) {
                        rows.next();
                        if (rows.getLong(1) > 0) {
                            return;
                        }
                    }
                    Thread.sleep(20);
                }
            }
        }

        @AfterEach
        void close() {
            closeAll();
        }
    }

    @Nested
    class Transfers extends InternalTransfersContract {
        private PostgresDatabase db;

        @Override
        protected InternalTransfers newTransfers() {
            db = migratedDatabase();
            return new SqlInternalTransfers(db);
        }

        @Override
        protected PayerLeases leasesOfTransfers() {
            return new SqlPayerLeases(db);
        }

        @AfterEach
        void close() {
            closeAll();
        }
    }

    @Nested
    class Leases extends PayerLeasesContract {
        @Override
        protected PayerLeases newLeases() {
            return new SqlPayerLeases(migratedDatabase());
        }

        @AfterEach
        void close() {
            closeAll();
        }
    }

    @Nested
    class Controls extends FaucetControlsContract {
        @Override
        protected FaucetControls newControls() {
            return new SqlFaucetControls(migratedDatabase(), Persistence.SHARED_STATE_REFRESH);
        }

        @AfterEach
        void close() {
            closeAll();
        }
    }

    @Nested
    class Rotations extends KeyRotationLogContract {
        @Override
        protected KeyRotationLog newLog() {
            return new SqlKeyRotationLog(migratedDatabase());
        }

        @AfterEach
        void close() {
            closeAll();
        }
    }

    @Nested
    class Blocks extends com.dytallix.domain.admission.BlockListContract {
        @Override
        protected com.dytallix.domain.admission.BlockList newBlockList() {
            return new SqlBlockList(migratedDatabase(), Persistence.SHARED_STATE_REFRESH);
        }

        @AfterEach
        void close() {
            closeAll();
        }
    }

    @Nested
    class Challenges extends com.dytallix.domain.admission.ChallengeStoreContract {
        @Override
        protected com.dytallix.domain.admission.ChallengeStore newStore() {
            return new SqlChallengeStore(migratedDatabase(), java.time.Duration.ZERO);
        }

        @Test
        void aChallengeOfThePreviousVersionKeepsIdsLookedUpUntilItIsUsedOrExpires() {
            Database db = migratedDatabase();
            PreviousVersionChallenges.check(db, new SqlChallengeStore(db, java.time.Duration.ZERO));
        }

        @AfterEach
        void close() {
            closeAll();
        }
    }

    @Test
    void migrationsAreAppliedOnceWithTheirChecksumsAndTheSchemaIsCurrent() {
        PostgresDatabase db = migratedDatabase();

        assertThat(new Migrations(db).migrate()).isEmpty();
        assertThat(db.isMigrated()).isTrue();
        assertThat(db.isHealthy()).isTrue();
        assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM schema_migrations")).isEqualTo(Migrations.FILES.size());
        assertThat(TestSql.text(db, "SELECT data_type AS t FROM information_schema.columns "
                + "WHERE table_name = 'faucet_grants' AND column_name = 'created_at'")).isEqualTo("timestamp with time zone");
    }

    @Test
    void aChangedMigrationIsRefused() {
        PostgresDatabase db = migratedDatabase();
        db.write(tx -> tx.update("UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1"));

        assertThatThrownBy(() -> new Migrations(db).migrate()).isInstanceOf(MigrationException.class)
                .hasMessageStartingWith("migration V001__initial_schema changed after it was applied");
        assertThat(db.isMigrated()).isFalse();
    }

    @Test
    void fiftyIdenticalRequestsSpreadOverThreeInstancesReserveOneGrant() throws Exception {
        com.dytallix.domain.Address to = new com.dytallix.domain.Address("0x" + "ab".repeat(20));
        List<Reservation> results = spreadOverThreeInstances(50, i -> to, ClientIp.parse("10.9.9.9"));

        assertThat(results).filteredOn(Reservation.Reserved.class::isInstance).hasSize(1);
        assertThat(TestSql.number(OPEN.getLast(), "SELECT COUNT(*) AS n FROM faucet_grants")).isEqualTo(1);
    }

    @Test
    void fortyRequestsOfOneClientSpreadOverThreeInstancesGetExactlyItsQuota() throws Exception {
        List<Reservation> results = spreadOverThreeInstances(40,
                i -> new com.dytallix.domain.Address("0x%040x".formatted(i + 1)), ClientIp.parse("10.9.9.9"));

        assertThat(results).filteredOn(Reservation.Reserved.class::isInstance).hasSize(10);
        assertThat(results).filteredOn(Reservation.Refused.class::isInstance).hasSize(30);
        assertThat(TestSql.number(OPEN.getLast(), "SELECT COUNT(*) AS n FROM faucet_grants")).isEqualTo(10);
    }

    /** {@code n} requests released at once, each on one of three instances of one new database (10 a client, 1 an address). */
    private List<Reservation> spreadOverThreeInstances(int n, java.util.function.IntFunction<com.dytallix.domain.Address> to,
                                                       ClientIp from) throws Exception {
        PostgresUrl url = server().newDatabase();
        List<SqlGrantLedger> instances = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PostgresDatabase db = PostgresDatabase.open(url);
            OPEN.add(db);
            new Migrations(db).migrate();
            instances.add(new SqlGrantLedger(db));
        }
        com.dytallix.domain.grant.TestAdmission limits = new com.dytallix.domain.grant.TestAdmission(10, 1, Wei.ofDyt("10000"),
                Wei.ofDyt("10"));
        ExecutorService pool = Executors.newFixedThreadPool(24);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Reservation>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SqlGrantLedger ledger = instances.get(i % 3);
                com.dytallix.domain.Address address = to.apply(i);
                futures.add(pool.submit(() -> {
                    start.await();
                    ReservationRequest request = com.dytallix.domain.grant.TestAdmission.request(address, from,
                            Optional.empty(), "same", Instant.now());
                    return ledger.reserve(request, limits.of(request));
                }));
            }
            start.countDown();
            List<Reservation> results = new ArrayList<>();
            for (Future<Reservation> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Timeout(60)
    void everyInstanceHearsAnotherInstancesGrantNoticesTheManyIdsOfOneBatchIncluded() throws Exception {
        PostgresUrl url = server().newDatabase();
        PostgresDatabase here = PostgresDatabase.open(url);
        OPEN.add(here);
        PostgresDatabase there = PostgresDatabase.open(url);
        OPEN.add(there);
        java.util.concurrent.LinkedBlockingQueue<Object> heard = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.LinkedBlockingQueue<Object> payerHeard = new java.util.concurrent.LinkedBlockingQueue<>();
        try (PostgresGrantNotices payer = new PostgresGrantNotices(here); PostgresGrantNotices other = new PostgresGrantNotices(there)) {
            other.listen(recorder(heard));
            payer.listen(recorder(payerHeard));
            // the listeners are up once both hear the other instance's admission (and the payer tells moves once it has)
            do {
                other.admitted();
            } while (heard.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS) == null
                    || payerHeard.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS) == null);
            heard.clear();

            // more ids than one payload holds (PostgreSQL takes under 8000 bytes)
            List<GrantId> signed = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                signed.add(GrantId.random());
            }
            payer.moved(signed);
            payer.admitted();
            java.util.Set<Object> got = new java.util.HashSet<>();
            while (got.size() < signed.size() + 1) {
                Object notice = heard.poll(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(notice).as("heard so far: %s of %s", got.size(), signed.size() + 1).isNotNull();
                got.add(notice);
            }
            assertThat(got).containsAll(signed).contains("admitted");
        }
    }

    private static GrantNotices.Listener recorder(java.util.concurrent.BlockingQueue<Object> heard) {
        return new GrantNotices.Listener() {
            @Override
            public void admitted() {
                heard.add("admitted");
            }

            @Override
            public void moved(java.util.Set<GrantId> ids) {
                heard.addAll(ids);
            }
        };
    }

    @Test
    @Timeout(60) // before, every move of a grant whose request had been answered was a pg_notify nobody waited for
    void anInstanceWhoseListenerHeardNoAdmissionTellsNoMovesAndNoPgNotifyRuns() throws Exception {
        PostgresUrl url = server().newDatabase();
        PostgresDatabase db = PostgresDatabase.open(url);
        OPEN.add(db);
        java.util.concurrent.LinkedBlockingQueue<Object> heard = new java.util.concurrent.LinkedBlockingQueue<>();
        try (PostgresGrantNotices alone = new PostgresGrantNotices(db)) {
            alone.listen(recorder(heard));
            List<String> ran = server().statements(url, () -> {
                alone.moved(List.of(GrantId.random(), GrantId.random()));
                try {
                    Thread.sleep(1000); // the sender's turn: a notice goes out within milliseconds
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(ran).as("a lone instance: nobody waits for its moves").noneMatch(q -> q.contains("pg_notify"));
            assertThat(heard).isEmpty();
        }
    }

    @Test
    void aQuotaReleasedOnAnotherInstanceShowsHereWithinTheRefreshInterval() {
        PostgresUrl url = server().newDatabase();
        PostgresDatabase here = PostgresDatabase.open(url);
        OPEN.add(here);
        new Migrations(here).migrate();
        PostgresDatabase there = PostgresDatabase.open(url);
        OPEN.add(there);
        QuotaReleasesAcrossInstances.check(here, there);
    }

    @Test
    @Timeout(60) // before the lock timeout, this write waited for ever
    void aWriteThatWaitsPastTheLockTimeoutForAnotherTransactionFailsAsBusyAndWritesNothing() throws Exception {
        PostgresUrl url = server().newDatabase();
        PostgresDatabase db = PostgresDatabase.open(url, 300);
        OPEN.add(db);
        new Migrations(db).migrate();
        SqlPayerLeases leases = aWriteBlockedByAnotherTransactionFailsAsBusyWithin300Ms(url, db);
        assertThat(leases.acquire("payer", "session", Duration.ofSeconds(10))).as("the next write goes through").isPresent();
    }

    /** While another transaction on {@code url} holds the writers' lock, a write on {@code db} fails as busy after 300 ms, writing nothing. */
    private static SqlPayerLeases aWriteBlockedByAnotherTransactionFailsAsBusyWithin300Ms(PostgresUrl url, PostgresDatabase db) throws Exception {
        SqlPayerLeases leases = new SqlPayerLeases(db);
        try (Connection other = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
             Statement statement = other.createStatement()) {
            other.setAutoCommit(false);
            // another instance (or an operator's psql) is paused inside its write transaction
            statement.execute("SELECT pg_advisory_xact_lock(" + PostgresDatabase.WRITER_LOCK + ")");

            long start = System.nanoTime();
            assertThatThrownBy(() -> leases.acquire("payer", "session", Duration.ofSeconds(10)))
                    .isInstanceOf(StoreBusyException.class)
                    .hasMessageContaining("300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waited for the lock timeout, not without bound")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(300)).isLessThan(Duration.ofSeconds(8));

            other.rollback();
        }
        assertThat(leases.current()).as("nothing was written").isEmpty();
        return leases;
    }

    @Test
    @Timeout(60) // before, the URL's options replaced the server's: lock_timeout 0, and the write waited for ever
    void aUrlWhoseOptionsLiftTheLockTimeoutAndSetAnotherTimeZoneStillGetsTheServersValuesOnEveryConnection() throws Exception {
        PostgresUrl plain = server().newDatabase();
        PostgresUrl url = new PostgresUrl(plain.host(), plain.port(), plain.database(), plain.user(), plain.password(),
                "options=-c%20lock_timeout%3D0%20-c%20TimeZone%3DAmerica/New_York");
        PostgresDatabase db;
        // the driver sends the JVM's zone after the URL's options, and it wins: this JVM's zone is New York's meanwhile
        java.util.TimeZone zone = java.util.TimeZone.getDefault();
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("America/New_York"));
        List<Connection> pool = new ArrayList<>();
        try {
            try (Connection direct = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password())) {
                assertThat(settings(direct)).as("what a connection of this URL has of itself").isEqualTo(List.of("0", "America/New_York"));
            }
            db = PostgresDatabase.open(url, 300);
            OPEN.add(db);
            for (int i = 0; i < db.dataSource.getMaximumPoolSize(); i++) {
                pool.add(db.dataSource.getConnection());
            }
            for (Connection c : pool) {
                assertThat(settings(c)).as("every connection of the pool").isEqualTo(List.of("300ms", "UTC"));
            }
        } finally {
            java.util.TimeZone.setDefault(zone);
            for (Connection c : pool) {
                c.close();
            }
        }
        new Migrations(db).migrate();
        // the server's lock timeout, not the URL's 0 (no bound)
        aWriteBlockedByAnotherTransactionFailsAsBusyWithin300Ms(plain, db);
    }

    /**
     * The instance lock's session sits idle for a server's whole life: an {@code idle_session_timeout} in the URL's
     * options (or the server's configuration) ended it before, and the lock with it, so that {@code migrate} or
     * {@code restore} could take the exclusive lock under a running server. Waits until the session has been idle for
     * three times the timeout (it would have been ended by then), then asks for the exclusive lock.
     */
    @Test
    @Timeout(60)
    void theInstanceLocksSessionOutlivesAnIdleSessionTimeoutFromTheUrl() throws Exception {
        PostgresUrl plain = server().newDatabase();
        PostgresUrl url = new PostgresUrl(plain.host(), plain.port(), plain.database(), plain.user(), plain.password(),
                "options=-c%20idle_session_timeout%3D300");
        try (PostgresLock held = PostgresLock.take(url, true);
             Connection look = DriverManager.getConnection(plain.jdbcUrl(), plain.user(), plain.password());
             java.sql.PreparedStatement idle = look.prepareStatement("SELECT now() - a.state_change > interval '900 milliseconds'"
                     + " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid JOIN pg_database d ON d.oid = l.database"
                     + " WHERE l.locktype = 'advisory' AND d.datname = ?")) {
            idle.setString(1, plain.database());
            boolean idleLongEnough = false;
            while (!idleLongEnough) {
                try (java.sql.ResultSet row = idle.executeQuery()) {
                    assertThat(row.next()).as("the instance lock's session is still there, its lock held").isTrue();
                    idleLongEnough = row.getBoolean(1);
                }
                Thread.sleep(20); // between two looks: the state is read, not waited for
            }
            assertThatThrownBy(() -> PostgresLock.take(plain, false)).as("a migrate or restore is still kept out")
                    .isInstanceOf(ServerLock.ServerRunningException.class);
        }
    }

    private static List<String> settings(Connection c) throws java.sql.SQLException {
        try (Statement s = c.createStatement();
             java.sql.ResultSet rows = s.executeQuery("SELECT current_setting('lock_timeout'), current_setting('TimeZone')")) {
            rows.next();
            return List.of(rows.getString(1), rows.getString(2));
        }
    }

    @Test
    void aReadInsideAWriteBeforeItsFirstStatementGetsAConnectionOfItsOwnAndTheWriteCommitsOnJdbcReadsOne() {
        PostgresDatabase db = migratedDatabase();
        db.write(tx -> tx.dml("CREATE TABLE handoff (x INTEGER)"));
        // begun as write() begins it, its first statement left to the work (write() itself takes its locks first)
        TextNamedStatements.Transaction tx = Database.begin(db.writes, db.dataSource);
        long readersBackend = TestSql.number(db, "SELECT pg_backend_pid() AS n");
        TestSql.readBeforeTheFirstStatement(db, tx);
        long jdbcBackend = JdbcReads.first(JdbcReads.in(tx), "SELECT pg_backend_pid()", row -> JdbcReads.integer(row, 1)).orElseThrow();
        long helidonBackend = tx.get("SELECT pg_backend_pid() AS n").map(row -> Rows.integer(row, "n")).orElseThrow();
        tx.commit();
        assertThat(readersBackend).as("the read's connection").isNotEqualTo(jdbcBackend);
        assertThat(helidonBackend).as("Helidon's transaction's connection").isEqualTo(jdbcBackend);
        assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM handoff")).isEqualTo(2);
        // the transactions' client takes nothing but a handed connection: a statement outside a transaction fails at once
        assertThatThrownBy(() -> db.writes.execute().get("SELECT 1 AS n")).hasStackTraceContaining("a statement outside a transaction");
        db.write(tx2 -> tx2.insert("INSERT INTO handoff (x) VALUES (3)"));
        assertThat(TestSql.number(db, "SELECT COUNT(*) AS n FROM handoff")).isEqualTo(3);
    }

    @Test
    void theUrlsPasswordNeverShows() {
        PostgresUrl url = PostgresUrl.parse("postgresql://faucet:s3cret%21@db.example.org:6543/ledger?sslmode=require");

        assertThat(url.password()).isEqualTo("s3cret!");
        assertThat(url.masked()).isEqualTo("postgresql://faucet:****@db.example.org:6543/ledger").doesNotContain("s3cret");
        assertThat(url.toString()).doesNotContain("s3cret");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.org:6543/ledger?sslmode=require");
        assertThatThrownBy(() -> PostgresUrl.parse("mysql://u:s3cret@h/db")).hasMessageNotContaining("s3cret");
    }
}
