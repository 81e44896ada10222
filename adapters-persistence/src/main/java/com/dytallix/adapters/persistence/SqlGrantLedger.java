package com.dytallix.adapters.persistence;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.StoreBusyException;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Fingerprint;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantLedger;
import com.dytallix.domain.grant.GrantQuery;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.grant.Decision;
import com.dytallix.domain.grant.Factor;
import com.dytallix.domain.grant.IllegalGrantTransitionException;
import com.dytallix.domain.grant.LedgerAdmission;
import com.dytallix.domain.grant.LedgerWindow;
import com.dytallix.domain.grant.OutflowPolicy;
import com.dytallix.domain.grant.Payment;
import com.dytallix.domain.grant.RecordedBlock;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.ReservationRequest;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.LeaseLostException;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The grant ledger in {@code faucet_grants}, with every transaction hash in {@code grant_tx_hashes}.
 *
 * <p>The admission rules read it inside the reservation's write transaction, so what they read
 * cannot change before the grant is recorded. Quota windows are rolling: a grant counts while
 * {@code created_at > since} and it did not fail. Times are stored to the millisecond, so the
 * instants this ledger returns are truncated to milliseconds. A state change of an unknown grant
 * throws {@link NoSuchElementException}. Beyond the lifecycle, a signed transaction
 * must pay the grant's address its amount, a replacement must keep sender and nonce, and a
 * confirmation must name one of the grant's hashes; otherwise {@link IllegalArgumentException}.
 *
 * <p>Fingerprints are kept in memory and written in batches, never by the request that took them:
 * by the next reservation (inside its write transaction, before the rules read them, so the
 * suspicious-activity rule sees every fingerprint this instance took) and by one writer thread
 * ({@link #startFingerprintWriter}) on its timer, at once when a batch is held, and a last time at
 * {@link #close()}. A refused request so costs no write and no wait. Another instance's fingerprints
 * reach the table within its flush interval; a process killed with SIGKILL loses at most what it had
 * not flushed yet. While the database cannot keep up, at most {@link #FINGERPRINTS_HELD_MOST} are
 * held and each one beyond is dropped and counted ({@link #fingerprintsDropped()}): the refusals go
 * on, their rows are what an attack costs.
 */
final class SqlGrantLedger implements GrantLedger {
    /**
     * What {@link #grant(DbRow)} reads, and no more: DbClient builds each row's column metadata anew,
     * so every column a query names costs again for every row (the tracker reads every unfinished grant).
     */
    private static final String GRANT_COLUMNS = """
            g.id, g.address, g.ip, g.amount_wei, g.status, g.idempotency_key, g.request_hash, g.from_address, g.nonce,
            g.raw_tx, g.fee_type, g.max_fee_per_gas, g.max_priority_fee_per_gas, g.gas_price, g.landed_hash,
            g.block_number, g.block_hash, g.failure_reason, g.created_at, g.updated_at, g.last_sent_at, g.factors""";
    private static final String SELECT_GRANT = "SELECT " + GRANT_COLUMNS + """
            , (SELECT string_agg(h.tx_hash, ',' ORDER BY h.rowid) FROM grant_tx_hashes h WHERE h.grant_id = g.id) AS tx_hashes
              FROM faucet_grants g""";
    private static final String COUNTING = ReservationReads.COUNTING;
    /** Exactly the condition of the partial index faucet_grants_unfinished (V010): a query that says so reads the index. */
    private static final String UNFINISHED = "g.status IN ('pending', 'signed', 'submitted')";
    /** Grants one group write of submissions carries at most: bounds its statement's parameters. */
    private static final int MOST_PER_WRITE = 500;
    /**
     * Reservations one group write carries at most: each runs its rules' reads, so this bounds how
     * long one transaction holds the write lock that the next reservations wait for (on SQLite signing
     * and the tracker too).
     */
    private static final int MOST_RESERVATIONS_PER_WRITE = 64;
    /** Grants one write of a tracker pass settles at most: bounds how long it holds the write lock (about 2 ms each). */
    static final int MOST_SETTLED_PER_WRITE = 32;
    private static final System.Logger LOG = System.getLogger(SqlGrantLedger.class.getName());
    /**
     * Fingerprints held at which the writer is woken instead of waiting for its timer. A commit
     * writes every page its rows touched to the WAL, and a flood from a few hundred clients touches
     * as many leaves of the client index whether a batch has 1,000 rows or 2,500: larger batches
     * write each page fewer times (a third less of the blocked flood's CPU went to the writer than
     * at 1,000), and held as bytes they cost little memory.
     */
    static final int FINGERPRINT_BATCH = 2500;
    /** Fingerprints held at most (a few MB); one more is dropped and counted. */
    static final int FINGERPRINTS_HELD_MOST = 20_000;
    /** Bytes of held fingerprints at most: reached before the count only by long user agents. */
    private static final int FINGERPRINT_BYTES_MOST = 8 << 20;
    private static final String INSERT_FINGERPRINTS =
            "INSERT INTO request_fingerprints (ip, client, address, user_agent, fingerprint, outcome, created_at) VALUES ";
    /**
     * The statements fingerprints are written with, most rows first: 50 rows, then 10, then 1 at a
     * time for the rest. Three texts, each short enough for SQLite's connections to keep compiled
     * ({@link SqliteConnections#LONGEST_KEPT}); one of 100 rows was compiled anew for every 100 rows,
     * and a text per remainder would crowd the grant path's statements out of the kept ones.
     */
    private static final int[] FINGERPRINT_ROWS = {50, 10, 1};
    private static final String[] INSERT_FINGERPRINT_ROWS = Arrays.stream(FINGERPRINT_ROWS)
            .mapToObj(rows -> INSERT_FINGERPRINTS + String.join(", ", Collections.nCopies(rows, "(?, ?, ?, ?, ?, ?, ?)")))
            .toArray(String[]::new);

    private final Database database;
    private final long refreshNanos;
    private final ReentrantLock checkingReleases = new ReentrantLock();
    private volatile Releases releases;
    /** Grants this ledger failed or deleted while they counted (see {@link #quotaReleases}). */
    private final AtomicLong ownReleases = new AtomicLong();
    private final HeldFingerprints unwritten = new HeldFingerprints(FINGERPRINTS_HELD_MOST, FINGERPRINT_BYTES_MOST);
    private volatile Thread fingerprintWriter;
    private volatile boolean closed;
    private final GroupCommit<Asked, Reservation> reservations = new GroupCommit<>(MOST_RESERVATIONS_PER_WRITE, this::writeReservations);
    private final GroupCommit<Submission, Void> submissions = new GroupCommit<>(MOST_PER_WRITE, this::writeSubmissions);
    /**
     * The reads the last reservation's rules made, asked for the next one in one statement (on PostgreSQL, where each
     * statement is a round trip: {@link ReservationReads}); written only by the reservations' group write.
     */
    private volatile List<ReservationReads.Read> learnedReads = List.of();

    public SqlGrantLedger(Database database) {
        this.database = database;
        this.refreshNanos = Persistence.SHARED_STATE_REFRESH.toNanos();
    }

    /**
     * Group-committed (see {@link #writeReservations}): every reservation asked for while another
     * batch is being written goes into the next write transaction, so under load one commit carries
     * many. The caller returns once its own is committed.
     */
    @Override
    public Reservation reserve(ReservationRequest request, LedgerAdmission admission) {
        return reservations.submit(new Asked(request, admission));
    }

    /** A reservation waiting for the next group write. */
    private record Asked(ReservationRequest request, LedgerAdmission admission) {
    }

    /**
     * One write transaction for a batch of reservations, each run in arrival order exactly as it
     * would run alone: its rules read the ledger with every earlier reservation of the batch in it,
     * and the budget as the one before left it (carried in memory, read and written once a batch).
     * Nobody is answered before the commit. A reservation whose own work throws rolls the whole
     * batch back and fails alone; the others are written again without it. A failure of the
     * transaction itself (the write lock not had in time, the commit) fails every one, nothing written.
     */
    private void writeReservations(List<GroupCommit.Job<Asked, Reservation>> batch) {
        List<GroupCommit.Job<Asked, Reservation>> left = new ArrayList<>(batch);
        while (!left.isEmpty()) {
            List<GroupCommit.Job<Asked, Reservation>> round = left;
            List<Reservation> answers = new ArrayList<>(round.size());
            GroupCommit.Job<?, ?>[] running = new GroupCommit.Job<?, ?>[1];
            try {
                writeWithFingerprints(Database.Writes.RESERVING, tx -> {
                    // on PostgreSQL the first reservation's reads statement reads the level (see reserveIn)
                    Budget budget = new Budget();
                    if (database.dialect() != Dialect.POSTGRES) {
                        budget.read(ReservationReads.level(JdbcReads.in(tx)));
                    }
                    for (GroupCommit.Job<Asked, Reservation> job : round) {
                        running[0] = job;
                        answers.add(reserveIn(tx, job.item().request(), job.item().admission(), budget));
                    }
                    running[0] = null;
                    if (budget.spent) {
                        tx.dml("""
                                INSERT INTO outflow_budget (id, level_wei, updated_at) VALUES (1, ?, ?)
                                ON CONFLICT (id) DO UPDATE SET level_wei = excluded.level_wei, updated_at = excluded.updated_at""",
                                budget.level.wei().toString(), Timestamps.format(budget.level.at()));
                    }
                    return null;
                });
            } catch (RuntimeException e) {
                if (running[0] == null || e instanceof StoreBusyException) {
                    throw e; // fails every reservation of the batch
                }
                round.stream().filter(job -> job == running[0]).forEach(job -> job.fail(e));
                left = round.stream().filter(job -> job != running[0]).toList();
                continue;
            }
            for (int i = 0; i < round.size(); i++) {
                round.get(i).complete(answers.get(i));
            }
            return;
        }
    }

    /**
     * The outflow budget's level through one group write: read once, before the first reservation that needs it, then
     * carried in memory from one reservation to the next, and stored once at the end when one spent from it.
     */
    private static final class Budget {
        private boolean read;
        /** The level as stored, then as the last reservation left it; null before the first grant ever. */
        private ReservationReads.Level level;
        private boolean spent;

        void read(Optional<ReservationReads.Level> stored) {
            level = stored.orElse(null);
            read = true;
        }
    }

    private Reservation reserveIn(DbTransaction tx, ReservationRequest request, LedgerAdmission admission, Budget budget) {
        Instant now = millis(request.now());
        if (request.idempotencyKey().isPresent()) {
            Optional<Grant> existing = tx.get(SELECT_GRANT + " WHERE g.idempotency_key = ?",
                    request.idempotencyKey().get()).map(SqlGrantLedger::grant);
            if (existing.isPresent()) {
                return new Reservation.Replayed(existing.get());
            }
        }
        boolean learning = database.dialect() == Dialect.POSTGRES; // each read a round trip there (ReservationReads)
        ReservationReads.Answers asked = ReservationReads.Answers.NONE;
        if (learning) {
            asked = ReservationReads.ask(JdbcReads.in(tx), learnedReads, request, !budget.read);
            if (!budget.read) {
                budget.read(asked.level());
            }
        }
        BigInteger available = budget(budget.level, admission.outflow(), now);
        Window window = new Window(tx, available, request, asked.reads());
        Decision decision = admission.decide(window);
        if (learning) {
            learnedReads = List.copyOf(window.made);
        }
        if (decision.refusal().isPresent()) {
            return new Reservation.Refused(decision.refusal().get());
        }
        Grant grant = Grant.reserved(request.id(), request.address(), request.ip(), decision.payout(),
                decision.factors(), request.idempotencyKey(), request.requestHash(), now);
        String at = Timestamps.format(now);
        // admitted_at by the database's clock: the payer judges a grant's age by it, whatever this instance's clock says
        tx.insert("""
                INSERT INTO faucet_grants (id, address, ip, client, subnet, amount_wei, factors, status, idempotency_key,
                                           request_hash, created_at, updated_at, admitted_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, """ + database.dialect().now() + ")",
                grant.id().value(), grant.address().value(), grant.ip().value(), request.client().toString(),
                request.subnet().toString(), grant.amount().toString(), factorsText(grant.factors()),
                grant.idempotencyKey().orElse(null), grant.requestHash(), at, at);
        budget.level = new ReservationReads.Level(available.subtract(grant.amount().value()), now);
        budget.spent = true;
        return new Reservation.Reserved(grant);
    }

    /**
     * The count in {@code quota_releases} (kept by triggers on {@code faucet_grants}, whoever writes),
     * read at most once per refresh interval, plus the grants this ledger itself failed or deleted
     * since it started: both only grow, so their sum changes with either, and this instance's own
     * changes show at once.
     */
    @Override
    public long quotaReleases() {
        long own = ownReleases.get();
        Releases seen = releases;
        if (seen != null && (System.nanoTime() - seen.checkedAt() < refreshNanos || !checkingReleases.tryLock())) {
            return seen.count() + own;
        }
        if (seen == null) {
            checkingReleases.lock();
        }
        try {
            Releases now = releases;
            if (now == null || now == seen) {
                long count = database.read(db -> db.get("SELECT released FROM quota_releases WHERE id = 1")
                        .map(row -> Rows.integer(row, "released")).orElse(0L));
                now = new Releases(count, System.nanoTime());
                releases = now;
            }
            return now.count() + own;
        } finally {
            checkingReleases.unlock();
        }
    }

    private record Releases(long count, long checkedAt) {
    }

    @Override
    public BigInteger budget(OutflowPolicy outflow, Instant now) {
        return database.readJdbc(connection -> budget(ReservationReads.level(connection).orElse(null), outflow, millis(now)));
    }

    /** The budget at {@code now}: the stored level refilled since it was stored, or the initial budget before the first grant. */
    private static BigInteger budget(ReservationReads.Level level, OutflowPolicy outflow, Instant now) {
        return level == null ? outflow.initial() : outflow.refill(level.wei(), level.at(), now);
    }

    /**
     * The ledger inside one reservation's write transaction, for the admission rules: a read its rules make is answered
     * from {@code asked} when it was asked there ({@link ReservationReads}), else from the database; the reads are noted.
     */
    private static final class Window implements LedgerWindow {
        private final DbExecute tx;
        private final BigInteger budget;
        private final ReservationRequest request;
        private final Map<ReservationReads.Read, Object> asked;
        /** The reads made of the request's own subjects, in order. */
        final Set<ReservationReads.Read> made = new LinkedHashSet<>();

        Window(DbExecute tx, BigInteger budget, ReservationRequest request, Map<ReservationReads.Read, Object> asked) {
            this.tx = tx;
            this.budget = budget;
            this.request = request;
            this.asked = asked;
        }

        @Override
        public BigInteger budget() {
            return budget;
        }

        @Override
        public Optional<Instant> nthNewestGrantByClient(IpRange client, Instant since, int nth) {
            return nthNewest(ReservationReads.Kind.CLIENT, client.toString(), since, nth);
        }

        @Override
        public Optional<Instant> nthNewestGrantBySubnet(IpRange subnet, Instant since, int nth) {
            return nthNewest(ReservationReads.Kind.SUBNET, subnet.toString(), since, nth);
        }

        @Override
        public Optional<Instant> nthNewestGrantByAddress(Address address, Instant since, int nth) {
            return nthNewest(ReservationReads.Kind.ADDRESS, address.value(), since, nth);
        }

        /** The read as made, noted when it is of the request's own subject; its answer if it was asked already, else null. */
        private Object answered(ReservationReads.Kind kind, String value, Instant since, int nth) {
            ReservationReads.Read read = ReservationReads.Read.of(kind, request, value, since, nth);
            if (read == null) {
                return null;
            }
            made.add(read);
            return asked.get(read);
        }

        /** A quota of n reads one row (see {@link ReservationReads#nthNewest}): a quota of hundreds costs no more rows in Java than a quota of one. */
        private Optional<Instant> nthNewest(ReservationReads.Kind kind, String value, Instant since, int nth) {
            Object answer = answered(kind, value, since, nth);
            if (answer != null) {
                return ReservationReads.time(answer);
            }
            return JdbcReads.first(JdbcReads.in(tx), ReservationReads.nthNewest(kind.column()), row -> JdbcReads.optionalTime(row, 1).orElse(null),
                    ReservationReads.nthNewestParams(value, Timestamps.format(since), nth));
        }

        @Override
        public Wei paidSince(Instant since) {
            try (Stream<DbRow> groups = tx.query("SELECT amount_wei, COUNT(*) AS n FROM faucet_grants WHERE " + COUNTING
                    + " GROUP BY amount_wei", Timestamps.format(since))) {
                return groups.map(row -> Wei.parse(Rows.text(row, "amount_wei")).times(Rows.integer(row, "n")))
                        .reduce(Wei.ZERO, Wei::plus);
            }
        }

        /**
         * From the per-minute totals a trigger keeps (V008): every grant reserved in the minute of
         * {@code since} or later, each rounded up to whole gwei, failed ones too. At most a day of
         * minutes is read, however many grants the day held.
         */
        @Override
        public Wei paidAtMostSince(Instant since) {
            Object answer = answered(ReservationReads.Kind.PAID_AT_MOST, "", since, 0);
            if (answer != null) {
                return (Wei) answer;
            }
            return JdbcReads.first(JdbcReads.in(tx), ReservationReads.PAID_AT_MOST, row -> ReservationReads.gwei(JdbcReads.integer(row, 1)),
                    minute(since)).orElseThrow();
        }

        @Override
        public List<Payout> payoutsSince(Instant since) {
            try (Stream<DbRow> rows = tx.query("SELECT amount_wei, created_at FROM faucet_grants WHERE " + COUNTING
                    + " ORDER BY created_at, rowid", Timestamps.format(since))) {
                return rows.map(row -> new Payout(Wei.parse(Rows.text(row, "amount_wei")), Rows.time(row, "created_at")))
                        .toList();
            }
        }

        /** See {@link ReservationReads#SPREAD}. */
        @Override
        public AddressSpread addressesFrom(IpRange client, Instant since) {
            Object answer = answered(ReservationReads.Kind.SPREAD, client.toString(), since, 0);
            if (answer != null) {
                return (AddressSpread) answer;
            }
            String from = Timestamps.format(since);
            return JdbcReads.first(JdbcReads.in(tx), ReservationReads.SPREAD,
                            row -> new AddressSpread((int) JdbcReads.integer(row, 1), JdbcReads.optionalTime(row, 2)),
                            client.toString(), from, client.toString(), from)
                    .orElseThrow();
        }
    }

    static String factorsText(List<Factor> factors) {
        return factors.isEmpty() ? null : factors.stream().map(f -> f.rule() + ":" + f.factor().toPlainString())
                .collect(java.util.stream.Collectors.joining(","));
    }

    static List<Factor> factors(Optional<String> text) {
        return text.filter(t -> !t.isBlank()).map(t -> Arrays.stream(t.split(",")).map(part -> {
            int colon = part.indexOf(':');
            return new Factor(part.substring(0, colon), new BigDecimal(part.substring(colon + 1)));
        }).toList()).orElse(List.of());
    }

    @Override
    public Set<GrantId> markSigned(List<Signing> signings, Instant at, Lease lease) {
        if (signings.isEmpty()) {
            return Set.of();
        }
        String time = Timestamps.format(at);
        try {
            return signAll(signings, lease, time);
        } catch (NotPending e) {
            return e.grants;
        }
    }

    /**
     * One read of every grant in the batch, then its updates and one insert of all the hashes; any
     * grant no longer PENDING refuses the whole batch before anything is written. Each update carries
     * the lease check (the fencing token, in the statement that writes the signed bytes): it changes
     * no row unless the lease is in force, and then the batch rolls back. Row-locked: beside reservations
     * and the tracker's writes (a lease's change runs alone, so the lease stays as checked until the commit).
     */
    private Set<GrantId> signAll(List<Signing> signings, Lease lease, String time) {
        return database.write(Database.Writes.ROW_LOCKED, tx -> {
            record Stored(GrantStatus status, String address, String amount) {
            }
            Map<String, Stored> rows = new HashMap<>();
            // status, recipient and amount only: the full rows with their hashes are not needed here
            JdbcReads.each(JdbcReads.in(tx), "SELECT id, status, address, amount_wei FROM faucet_grants WHERE id IN ("
                    + String.join(", ", Collections.nCopies(signings.size(), "?")) + ") ORDER BY id" + database.dialect().lockingRows(),
                    row -> rows.put(JdbcReads.text(row, 1), new Stored(status(JdbcReads.text(row, 2)), JdbcReads.text(row, 3), JdbcReads.text(row, 4))),
                    signings.stream().map(sg -> sg.id().value()).toArray());
            Set<GrantId> notPending = new LinkedHashSet<>();
            for (Signing signing : signings) {
                GrantId id = signing.id();
                SignedTransaction signed = signing.tx();
                Stored row = rows.get(id.value());
                if (row == null) {
                    throw new NoSuchElementException("no grant " + id);
                }
                if (!row.status().canMoveTo(GrantStatus.SIGNED)) {
                    notPending.add(id);
                } else if (!signed.transaction().to().equals(new Address(row.address()))
                        || !signed.transaction().value().equals(Wei.parse(row.amount()))) {
                    throw new IllegalArgumentException("the transaction does not pay grant " + id + " its recipient and amount");
                }
            }
            if (!notPending.isEmpty()) {
                throw new NotPending(notPending); // rolls the whole batch back
            }
            // one statement text whatever the batch's size, so the connection keeps it compiled (SqliteConnections)
            String update = """
                    UPDATE faucet_grants
                       SET status = 'signed', from_address = ?, nonce = ?, raw_tx = ?, fee_type = ?, max_fee_per_gas = ?,
                           max_priority_fee_per_gas = ?, gas_price = ?, tx_hash = ?, updated_at = ?
                     WHERE id = ? AND\s""" + SqlPayerLeases.inForceCondition(database.dialect());
            List<Object> hashes = new ArrayList<>(signings.size() * 5);
            List<Object[]> updates = new ArrayList<>(signings.size());
            for (Signing signing : signings) {
                SignedTransaction signed = signing.tx();
                updates.add(new Object[] {signed.from().value(), signed.nonce(), signed.rawHex(), FeeColumns.type(signed.fees()),
                        FeeColumns.maxFee(signed.fees()), FeeColumns.priorityFee(signed.fees()), FeeColumns.gasPrice(signed.fees()), signed.hash().value(), time,
                        signing.id().value(), lease.token(), lease.session()});
                hashes.addAll(List.of(signing.id().value(), signed.hash().value(), signed.nonce(), signed.rawHex(), time));
            }
            for (int updated : JdbcReads.batch(JdbcReads.in(tx), update, updates)) {
                if (updated != 1) {
                    throw new LeaseLostException(lease); // the grant was just read as PENDING: only the lease can stop the update
                }
            }
            tx.insert("INSERT INTO grant_tx_hashes (grant_id, tx_hash, nonce, raw_tx, created_at) VALUES "
                    + String.join(", ", Collections.nCopies(signings.size(), "(?, ?, ?, ?, ?)")), hashes.toArray());
            return notPending;
        });
    }

    /** Rolls back a batch of signings one of which is no longer PENDING. */
    private static final class NotPending extends RuntimeException {
        final Set<GrantId> grants;

        NotPending(Set<GrantId> grants) {
            super(null, null, false, false);
            this.grants = grants;
        }
    }

    /**
     * Group-committed: every submission asked for while another batch is being written goes into
     * the next write together, so under load one transaction carries many. Each caller returns once
     * its own is committed (or throws what stopped it: a grant that cannot move to SUBMITTED fails
     * only its own).
     */
    @Override
    public void markSubmitted(GrantId id, Instant at) {
        submissions.submit(new Submission(id, Timestamps.format(at)));
    }

    private void writeSubmissions(List<GroupCommit.Job<Submission, Void>> batch) {
        Map<GroupCommit.Job<Submission, Void>, RuntimeException> refused = new HashMap<>();
        database.write(Database.Writes.ROW_LOCKED, tx -> {
            Map<String, GrantStatus> statuses = new HashMap<>();
            JdbcReads.each(JdbcReads.in(tx), "SELECT id, status FROM faucet_grants WHERE id IN ("
                    + String.join(", ", Collections.nCopies(batch.size(), "?")) + ") ORDER BY id" + database.dialect().lockingRows(),
                    row -> statuses.put(JdbcReads.text(row, 1), status(JdbcReads.text(row, 2))),
                    batch.stream().map(job -> job.item().id().value()).toArray());
            List<Object[]> updates = new ArrayList<>(batch.size());
            for (GroupCommit.Job<Submission, Void> job : batch) {
                Submission s = job.item();
                try {
                    GrantStatus status = statuses.get(s.id().value());
                    if (status == null) {
                        throw new NoSuchElementException("no grant " + s.id());
                    }
                    status.moveTo(GrantStatus.SUBMITTED);
                } catch (RuntimeException e) {
                    refused.put(job, e);
                    continue;
                }
                updates.add(new Object[] {s.at(), s.at(), s.id().value()});
            }
            JdbcReads.batch(JdbcReads.in(tx), "UPDATE faucet_grants SET status = 'submitted', last_sent_at = ?, updated_at = ? WHERE id = ?",
                    updates);
            return null;
        });
        batch.forEach(job -> {
            RuntimeException e = refused.get(job);
            if (e == null) {
                job.complete(null);
            } else {
                job.fail(e);
            }
        });
    }

    /** A grant's move to SUBMITTED waiting for the next group write. */
    private record Submission(GrantId id, String at) {
    }

    @Override
    public void recordReplacement(GrantId id, SignedTransaction replacement, Instant at, Lease lease) {
        database.write(tx -> {
            Grant grant = load(tx, id);
            requireLease(tx, lease);
            grant.status().moveTo(GrantStatus.SUBMITTED);
            requirePays(grant, replacement);
            if (!grant.fromAddress().equals(Optional.of(replacement.from()))
                    || !grant.nonce().equals(Optional.of(replacement.nonce()))) {
                throw new IllegalArgumentException("a replacement must come from the same sender with the same nonce");
            }
            if (grant.txHashes().contains(replacement.hash())) {
                throw new IllegalArgumentException("transaction " + replacement.hash() + " is already recorded for grant " + id);
            }
            String time = Timestamps.format(at);
            // last_sent_at restarts: the replacement is sent now, and stuck detection measures from it.
            tx.update("""
                    UPDATE faucet_grants
                       SET status = 'submitted', raw_tx = ?, fee_type = ?, max_fee_per_gas = ?, max_priority_fee_per_gas = ?,
                           gas_price = ?, tx_hash = ?, last_sent_at = ?, updated_at = ?
                     WHERE id = ?""",
                    replacement.rawHex(), FeeColumns.type(replacement.fees()), FeeColumns.maxFee(replacement.fees()),
                            FeeColumns.priorityFee(replacement.fees()), FeeColumns.gasPrice(replacement.fees()), replacement.hash().value(),
                            time, time, id.value());
            recordHash(tx, id, replacement, time);
            return null;
        });
    }

    @Override
    public void markIncluded(GrantId id, TxHash landed, long blockNumber, String blockHash, Instant at) {
        database.write(tx -> settleIn(tx, List.of(new Inclusion(id, landed, blockNumber, blockHash)), List.of(),
                Timestamps.format(at)).orThrow());
    }

    /**
     * In write transactions of at most {@link #MOST_SETTLED_PER_WRITE} grants, each grant's steps in
     * one of them: a block's worth of grants settled in one transaction held the write lock that every
     * request's reservation, signing and submission waits for 20–300 ms (bench/faucet.sh), the largest
     * part of the faucet's 99th percentile. No step depends on another grant's.
     */
    @Override
    public Settled settle(List<Inclusion> inclusions, List<Confirmation> confirmations, Instant at) {
        if (inclusions.isEmpty() && confirmations.isEmpty()) {
            return new Settled(Set.of(), Map.of());
        }
        String time = Timestamps.format(at);
        List<GrantId> ids = Stream.concat(inclusions.stream().map(Inclusion::id), confirmations.stream().map(Confirmation::id))
                .distinct().toList();
        Set<GrantId> firstConfirmed = new HashSet<>();
        Map<GrantId, String> refused = new LinkedHashMap<>();
        for (int from = 0; from < ids.size(); from += MOST_SETTLED_PER_WRITE) {
            Set<GrantId> part = Set.copyOf(ids.subList(from, Math.min(ids.size(), from + MOST_SETTLED_PER_WRITE)));
            List<Inclusion> included = inclusions.stream().filter(i -> part.contains(i.id())).toList();
            List<Confirmation> confirmed = confirmations.stream().filter(c -> part.contains(c.id())).toList();
            Settled settled = database.write(Database.Writes.ROW_LOCKED, tx -> settleIn(tx, included, confirmed, time).settled());
            firstConfirmed.addAll(settled.firstConfirmed());
            refused.putAll(settled.refused());
        }
        return new Settled(firstConfirmed, refused);
    }

    /**
     * Each inclusion as by {@link #markIncluded}, then each confirmation as by {@link #markConfirmed},
     * checked against one read of the grants' statuses and one of their hashes (kept up to date here as
     * the steps go), so a step costs its update alone. A step the grant does not allow is left out and
     * named with why.
     */
    private Steps settleIn(DbTransaction tx, List<Inclusion> inclusions, List<Confirmation> confirmations, String at) {
        List<String> ids = Stream.concat(inclusions.stream().map(i -> i.id().value()), confirmations.stream().map(c -> c.id().value()))
                .distinct().toList();
        Map<String, GrantStatus> statuses = new HashMap<>();
        Set<String> confirmedOnce = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (int from = 0; from < ids.size(); from += MOST_PER_WRITE) {
            List<String> part = ids.subList(from, Math.min(ids.size(), from + MOST_PER_WRITE));
            String in = String.join(", ", Collections.nCopies(part.size(), "?"));
            Connection connection = JdbcReads.in(tx);
            JdbcReads.each(connection, "SELECT id, status, confirmed_once FROM faucet_grants WHERE id IN (" + in + ") ORDER BY id"
                    + database.dialect().lockingRows(), row -> {
                String id = JdbcReads.text(row, 1);
                statuses.put(id, status(JdbcReads.text(row, 2)));
                if (JdbcReads.integer(row, 3) == 1) {
                    confirmedOnce.add(id);
                }
            }, part.toArray());
            JdbcReads.each(connection, "SELECT grant_id, tx_hash FROM grant_tx_hashes WHERE grant_id IN (" + in + ")",
                    row -> hashes.add(JdbcReads.text(row, 1) + " " + JdbcReads.text(row, 2)), part.toArray());
        }
        Steps steps = new Steps(new HashSet<>(), new LinkedHashMap<>());
        List<Object[]> included = new ArrayList<>();
        for (Inclusion i : inclusions) {
            try {
                step(statuses, hashes, i.id(), i.landed(), GrantStatus.SUBMITTED);
            } catch (IllegalGrantTransitionException | IllegalArgumentException | NoSuchElementException e) {
                steps.refused().put(i.id(), e);
                continue;
            }
            included.add(new Object[] {i.landed().value(), i.blockNumber(), i.blockHash(), at, i.id().value()});
        }
        List<Object[]> confirmed = new ArrayList<>();
        for (Confirmation c : confirmations) {
            String id = c.id().value();
            try {
                step(statuses, hashes, c.id(), c.landed(), GrantStatus.CONFIRMED);
            } catch (IllegalGrantTransitionException | IllegalArgumentException | NoSuchElementException e) {
                steps.refused().put(c.id(), e);
                continue;
            }
            confirmed.add(new Object[] {c.landed().value(), c.blockNumber(), at, id});
            if (confirmedOnce.add(id)) {
                steps.firstConfirmed().add(c.id());
            }
        }
        // the inclusions first: a grant included and confirmed in one pass ends confirmed
        Connection connection = JdbcReads.in(tx);
        JdbcReads.batch(connection, """
                UPDATE faucet_grants
                   SET status = 'submitted', landed_hash = ?, block_number = ?, block_hash = ?, updated_at = ?
                 WHERE id = ?""", included);
        JdbcReads.batch(connection, "UPDATE faucet_grants SET status = 'confirmed', landed_hash = ?, block_number = ?, updated_at = ?, "
                + "confirmed_once = 1 WHERE id = ?", confirmed);
        return steps;
    }

    /** Checks one step against what the settle read (and the steps before it did), and records its new status there. */
    private static void step(Map<String, GrantStatus> statuses, Set<String> hashes, GrantId id, TxHash landed, GrantStatus to) {
        GrantStatus status = statuses.get(id.value());
        if (status == null) {
            throw new NoSuchElementException("no grant " + id);
        }
        status.moveTo(to);
        if (!hashes.contains(id.value() + " " + landed.value())) {
            throw new IllegalArgumentException("transaction " + landed + " was never recorded for grant " + id);
        }
        statuses.put(id.value(), to);
    }

    /** What {@link #settleIn} did: the grants confirmed for the first time, and the steps refused with why. */
    private record Steps(Set<GrantId> firstConfirmed, Map<GrantId, RuntimeException> refused) {
        Settled settled() {
            Map<GrantId, String> why = new LinkedHashMap<>();
            refused.forEach((id, e) -> why.put(id, e.getMessage()));
            return new Settled(firstConfirmed, why);
        }

        /** For a single step: its refusal thrown (the transaction rolls back, though nothing was written). */
        Steps orThrow() {
            refused.values().stream().findFirst().ifPresent(e -> {
                throw e;
            });
            return this;
        }
    }

    @Override
    public void reopen(GrantId id, Instant at) {
        database.write(tx -> {
            Grant grant = load(tx, id);
            grant.status().reopen();
            if (grant.blockNumber().isEmpty()) {
                throw new IllegalArgumentException("grant " + id + " is in no block");
            }
            tx.update("""
                    UPDATE faucet_grants
                       SET status = 'submitted', landed_hash = NULL, block_number = NULL, block_hash = NULL, updated_at = ?
                     WHERE id = ?""", Timestamps.format(at), id.value());
            return null;
        });
    }

    @Override
    public Optional<String> genesis() {
        return database.read(db -> db.get("SELECT genesis_hash FROM ledger_chain WHERE id = 1").map(row -> Rows.text(row, "genesis_hash")));
    }

    @Override
    public String recordGenesis(String genesis, Instant at) {
        return database.write(tx -> {
            tx.insert("INSERT INTO ledger_chain (id, genesis_hash, recorded_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING",
                    genesis, Timestamps.format(at));
            return Rows.text(tx.get("SELECT genesis_hash FROM ledger_chain WHERE id = 1").orElseThrow(), "genesis_hash");
        });
    }

    /**
     * One transaction. The conditional update of {@code ledger_chain} comes first: on PostgreSQL it locks the row, so a
     * second adoption at the same time waits, then finds the chain adopted and changes nothing.
     */
    @Override
    public Adoption adoptChain(String previous, String adopted, String reason, Instant at) {
        String time = Timestamps.format(at);
        Adoption adoption = database.write(tx -> {
            if (previous.equals(adopted) || tx.update("UPDATE ledger_chain SET genesis_hash = ?, recorded_at = ? WHERE id = 1"
                    + " AND genesis_hash = ?", adopted, time, previous) == 0) {
                Optional<String> recorded = tx.get("SELECT genesis_hash FROM ledger_chain WHERE id = 1")
                        .map(row -> Rows.text(row, "genesis_hash"));
                if (recorded.filter(adopted::equals).isPresent()) {
                    return new Adoption(false, 0, 0);
                }
                if (recorded.isPresent()) {
                    throw new IllegalStateException("the ledger pays on chain " + recorded.get() + ", not " + previous);
                }
                tx.insert("INSERT INTO ledger_chain (id, genesis_hash, recorded_at) VALUES (1, ?, ?)", adopted, time);
                if (previous.equals(adopted)) {
                    return new Adoption(false, 0, 0); // no chain was recorded: this one is recorded, nothing closed
                }
            }
            int failed = (int) tx.update("UPDATE faucet_grants SET status = 'failed', failure_reason = ?, updated_at = ?"
                    + " WHERE status IN ('pending', 'signed', 'submitted')", reason, time);
            int closed = (int) tx.update("UPDATE faucet_grants SET previous_chain = ? WHERE previous_chain IS NULL", previous);
            tx.delete("DELETE FROM internal_transfers");
            String now = database.dialect().now();
            tx.update("UPDATE payer_lease SET holder = NULL, session = NULL, token = token + 1, expires_at = " + now
                    + ", updated_at = " + now + " WHERE id = 1");
            return new Adoption(true, failed, closed);
        });
        if (adoption.failed() > 0) {
            ownReleases.incrementAndGet();
        }
        return adoption;
    }

    /**
     * The adoption writes its time both as the ledger's {@code recorded_at} and as the {@code updated_at} of every grant
     * it fails; a failed grant is never written again, so that time names the grants the last adoption failed.
     */
    @Override
    public List<Grant> leftInFlight(Address from, long fromNonce) {
        return database.read(db -> grants(db, SELECT_GRANT
                + " WHERE g.from_address = ? AND g.nonce >= ? AND g.status = 'failed' AND g.previous_chain IS NOT NULL"
                + " AND g.raw_tx IS NOT NULL AND g.updated_at = (SELECT c.recorded_at FROM ledger_chain c WHERE c.id = 1)"
                + " ORDER BY g.nonce", from.value(), fromNonce));
    }

    /** Conditional on the grant still being one {@link #leftInFlight} names, so repeating it (or racing it) changes nothing. */
    @Override
    public boolean carryOver(GrantId id, Instant at) {
        return database.write(tx -> tx.update("""
                UPDATE faucet_grants
                   SET status = 'submitted', failure_reason = NULL, previous_chain = NULL, landed_hash = NULL,
                       block_number = NULL, block_hash = NULL, updated_at = ?
                 WHERE id = ? AND status = 'failed' AND previous_chain IS NOT NULL AND raw_tx IS NOT NULL
                   AND updated_at = (SELECT c.recorded_at FROM ledger_chain c WHERE c.id = 1)""",
                Timestamps.format(at), id.value()) == 1);
    }

    @Override
    public List<Grant> inBlocksFrom(long fromBlock) {
        return database.read(db -> grants(db, SELECT_GRANT
                + " WHERE g.block_number >= ? AND g.block_hash IS NOT NULL AND g.status IN ('submitted', 'confirmed')"
                + " AND g.previous_chain IS NULL ORDER BY g.block_number, g.rowid", fromBlock));
    }

    @Override
    public Set<Long> noncesInBlocksFrom(Address from, long fromBlock) {
        return database.read(db -> {
            try (Stream<DbRow> rows = db.query("""
                    SELECT nonce FROM faucet_grants
                     WHERE from_address = ? AND block_number >= ? AND block_hash IS NOT NULL AND nonce IS NOT NULL
                       AND status IN ('submitted', 'confirmed') AND previous_chain IS NULL""", from.value(), fromBlock)) {
                return rows.map(row -> Rows.integer(row, "nonce")).collect(Collectors.toSet());
            }
        });
    }

    @Override
    public List<RecordedBlock> blocksFrom(long fromBlock) {
        record Recorded(long number, String hash) {
        }
        return database.read(db -> {
            try (Stream<DbRow> rows = db.query("""
                    SELECT block_number, block_hash, from_address FROM faucet_grants
                     WHERE block_number >= ? AND block_hash IS NOT NULL AND status IN ('submitted', 'confirmed')
                       AND previous_chain IS NULL
                     GROUP BY block_number, block_hash, from_address
                     ORDER BY block_number, block_hash""", fromBlock)) {
                Map<Recorded, Set<Address>> senders = new LinkedHashMap<>();
                rows.forEach(row -> senders.computeIfAbsent(new Recorded(Rows.integer(row, "block_number"), Rows.text(row, "block_hash")),
                        k -> new HashSet<>()).add(new Address(Rows.text(row, "from_address"))));
                return senders.entrySet().stream()
                        .map(e -> new RecordedBlock(e.getKey().number(), e.getKey().hash(), e.getValue())).toList();
            }
        });
    }

    /**
     * A PENDING grant has no transaction yet: no hashes to gather (this runs ten times a second). The
     * unfinished statuses are named as the partial index faucet_grants_unfinished (V010) names them,
     * or SQLite would not see that the index holds every pending grant.
     */
    @Override
    public List<Grant> pendingOlderThan(Duration age) {
        return database.read(db -> grants(db, "SELECT " + GRANT_COLUMNS + ", NULL AS tx_hashes FROM faucet_grants g"
                + " WHERE " + UNFINISHED + " AND g.status = 'pending' AND g.admitted_at <= " + database.dialect().nowPlus()
                + " ORDER BY g.admitted_at, g.rowid", Dialect.interval(age.negated())));
    }

    @Override
    public boolean markConfirmed(GrantId id, TxHash landed, long blockNumber, Instant at) {
        return database.write(tx -> !settleIn(tx, List.of(), List.of(new Confirmation(id, landed, blockNumber)), Timestamps.format(at))
                .orThrow().firstConfirmed().isEmpty());
    }

    @Override
    public void markFailed(GrantId id, String reason, Instant at) {
        database.write(tx -> {
            status(tx, id).moveTo(GrantStatus.FAILED);
            tx.update("UPDATE faucet_grants SET status = 'failed', failure_reason = ?, updated_at = ? WHERE id = ?",
                    reason, Timestamps.format(at), id.value());
            return null;
        });
        ownReleases.incrementAndGet();
    }

    @Override
    public boolean abandon(GrantId id, String reason, Instant at) {
        boolean abandoned = database.write(tx -> {
            load(tx, id);
            return tx.update("UPDATE faucet_grants SET status = 'failed', failure_reason = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
                    reason, Timestamps.format(at), id.value()) == 1;
        });
        if (abandoned) {
            ownReleases.incrementAndGet();
        }
        return abandoned;
    }

    @Override
    public Optional<Grant> find(GrantId id) {
        return database.read(db -> db.get(SELECT_GRANT + " WHERE g.id = ?", id.value()).map(SqlGrantLedger::grant));
    }

    @Override
    public Optional<Grant> findByIdempotencyKey(String key) {
        return database.read(db -> db.get(SELECT_GRANT + " WHERE g.idempotency_key = ?", key)
                .map(SqlGrantLedger::grant));
    }

    @Override
    public List<Grant> unfinished() {
        return database.read(db -> grants(db, SELECT_GRANT + " WHERE " + UNFINISHED + " ORDER BY g.created_at, g.rowid"));
    }

    /** Nine columns, not the whole grant (no signed bytes, fees, recipient): the tracker reads this every pass. */
    @Override
    public List<Payment> inFlight() {
        return database.readJdbc(connection -> JdbcReads.list(connection, """
                SELECT g.id, g.status, g.from_address, g.nonce, g.block_number, g.landed_hash, g.last_sent_at, g.updated_at,
                       (SELECT string_agg(h.tx_hash, ',' ORDER BY h.rowid) FROM grant_tx_hashes h WHERE h.grant_id = g.id) AS tx_hashes
                  FROM faucet_grants g
                 WHERE\s""" + UNFINISHED + " AND g.status <> 'pending' ORDER BY g.created_at, g.rowid",
                row -> {
                    Optional<Instant> lastSent = JdbcReads.optionalTime(row, 7);
                    return new Payment(new GrantId(JdbcReads.text(row, 1)), status(JdbcReads.text(row, 2)),
                            new Address(JdbcReads.text(row, 3)), JdbcReads.integer(row, 4), hashes(JdbcReads.optionalText(row, 9)),
                            JdbcReads.optionalInteger(row, 5), JdbcReads.optionalText(row, 6).map(TxHash::new),
                            lastSent.isPresent() ? lastSent.get() : JdbcReads.time(row, 8));
                }));
    }

    @Override
    public Map<GrantStatus, Long> unfinishedCounts() {
        Map<GrantStatus, Long> counts = new EnumMap<>(GrantStatus.class);
        GrantStatus.unfinished().forEach(s -> counts.put(s, 0L));
        database.read(db -> {
            try (Stream<DbRow> rows = db.query("SELECT status, COUNT(*) AS n FROM faucet_grants g WHERE " + UNFINISHED
                    + " GROUP BY status")) {
                rows.forEach(row -> counts.put(status(row), Rows.integer(row, "n")));
                return null;
            }
        });
        return counts;
    }

    /** Excludes grants that failed without ever being handed to the node: their nonce was never used. */
    @Override
    public OptionalLong highestNonce(Address from) {
        return database.read(db -> db.get("""
                        SELECT MAX(nonce) AS highest FROM faucet_grants
                         WHERE from_address = ? AND nonce IS NOT NULL AND previous_chain IS NULL
                           AND NOT (status = 'failed' AND last_sent_at IS NULL)""", from.value())
                .flatMap(row -> Rows.optionalInteger(row, "highest"))
                .map(OptionalLong::of).orElse(OptionalLong.empty()));
    }

    /** Newest first; {@code since} is inclusive. */
    @Override
    public List<Grant> search(GrantQuery query) {
        List<String> where = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        query.since().ifPresent(since -> {
            where.add("g.created_at >= ?");
            params.add(Timestamps.format(since));
        });
        query.ip().ifPresent(ip -> {
            // along the subnet's index (no index on ip alone); grants from before subnets were kept have their IP there
            where.add("g.subnet IN (?, ?) AND g.ip = ?");
            params.add(ip.subnet().toString());
            params.add(ip.value());
            params.add(ip.value());
        });
        query.address().ifPresent(address -> {
            where.add("g.address = ?");
            params.add(address.value());
        });
        query.status().ifPresent(status -> {
            where.add("g.status = ?");
            params.add(statusText(status));
        });
        params.add(query.limit());
        String sql = SELECT_GRANT + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY g.created_at DESC, g.rowid DESC LIMIT ?";
        return database.read(db -> grants(db, sql, params.toArray()));
    }

    @Override
    public void recordFingerprint(Fingerprint fingerprint) {
        int held = unwritten.add(fingerprint);
        if (held > 0 && held % FINGERPRINT_BATCH == 0) {
            Thread writer = fingerprintWriter;
            if (writer != null) {
                LockSupport.unpark(writer);
            }
        }
    }

    /** Fingerprints not stored because {@link #FINGERPRINTS_HELD_MOST} (or their bytes' bound) were held already, since start. */
    long fingerprintsDropped() {
        return unwritten.dropped();
    }

    /**
     * Starts the one thread that writes the held fingerprints every {@code every}, and at once when a
     * batch is held. Without it (the commands, tests) they are written by reservations, {@link
     * #flushFingerprints()} and {@link #close()}.
     */
    void startFingerprintWriter(Duration every) {
        Thread writer = Thread.ofPlatform().name("fingerprint-writer").daemon(true).unstarted(() -> writeFingerprints(every));
        fingerprintWriter = writer;
        writer.start();
    }

    private void writeFingerprints(Duration every) {
        boolean failing = false;
        while (!closed) {
            LockSupport.parkNanos(every.toNanos());
            try {
                flushFingerprints();
                if (failing) {
                    LOG.log(System.Logger.Level.INFO, "request fingerprints are written again");
                    failing = false;
                }
            } catch (RuntimeException e) {
                // held again, retried at the next turn; said once, not at every turn of a long outage
                if (!failing) {
                    LOG.log(System.Logger.Level.WARNING, "request fingerprints not written, held and retried: " + e.getMessage());
                    failing = true;
                }
            }
        }
    }

    /** Writes the fingerprints held in memory, in one transaction; nothing when none are held. */
    void flushFingerprints() {
        if (unwritten.count() > 0) {
            writeWithFingerprints(Database.Writes.RESERVING, tx -> null);
        }
    }

    /** Stops the writer, then writes every fingerprint still held (those of the last requests answered). */
    void close() {
        closed = true;
        Thread writer = fingerprintWriter;
        if (writer != null) {
            LockSupport.unpark(writer);
            try {
                writer.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flushFingerprints();
    }

    /**
     * One write transaction that first stores every fingerprint held. They are taken inside the
     * writer's turn, so a fingerprint taken by an earlier transaction is committed before a later
     * one reads; if the transaction fails they are held again.
     */
    private <T> T writeWithFingerprints(Database.Writes kind, Function<DbTransaction, T> work) {
        // kept across a second run of the transaction's work, which inserts them again
        HeldFingerprints.Taken[] taken = new HeldFingerprints.Taken[1];
        try {
            return database.write(kind, tx -> {
                if (taken[0] == null) {
                    taken[0] = unwritten.take().orElse(null);
                }
                if (taken[0] != null) {
                    insertFingerprints(tx, taken[0]);
                }
                return work.apply(tx);
            });
        } catch (RuntimeException | Error e) {
            if (taken[0] != null) {
                taken[0].notWritten();
            }
            throw e;
        }
    }

    private static void insertFingerprints(DbTransaction tx, HeldFingerprints.Taken taken) {
        taken.rewind();
        String[] texts = new String[HeldFingerprints.TEXT_COLUMNS];
        // under a flood many rows share a millisecond, and the formatter is the costly part of a row
        long lastMillis = Long.MIN_VALUE;
        String lastTime = null;
        int statement = 0;
        for (int left = taken.rows(); left > 0; left -= FINGERPRINT_ROWS[statement]) {
            while (FINGERPRINT_ROWS[statement] > left) {
                statement++;
            }
            int rows = FINGERPRINT_ROWS[statement];
            Object[] params = new Object[rows * 7];
            int i = 0;
            for (int r = 0; r < rows; r++) {
                Instant at = taken.next(texts);
                for (String text : texts) {
                    params[i++] = text;
                }
                long millis = at.toEpochMilli();
                if (millis != lastMillis) {
                    lastTime = Timestamps.format(at);
                    lastMillis = millis;
                }
                params[i++] = lastTime;
            }
            tx.insert(INSERT_FINGERPRINT_ROWS[statement], params);
        }
    }

    @Override
    public PruneResult prune(Instant grantsBefore, Instant fingerprintsBefore) {
        PruneResult pruned = writeWithFingerprints(Database.Writes.ALONE, tx -> {
            // Their transaction hashes go with them (trigger faucet_grants_delete_hashes).
            long grants = tx.delete("DELETE FROM faucet_grants WHERE status IN ('confirmed', 'failed') AND created_at < ?",
                    Timestamps.format(grantsBefore));
            // the retention is whole days, so these minutes are older than any daily cap's window
            tx.delete("DELETE FROM paid_per_minute WHERE minute < ?", minute(grantsBefore));
            long fingerprints = tx.delete("DELETE FROM request_fingerprints WHERE created_at < ?",
                    Timestamps.format(fingerprintsBefore));
            return new PruneResult((int) grants, (int) fingerprints);
        });
        ownReleases.incrementAndGet(); // deleted grants may have counted (the database's trigger knows; this is at once)
        return pruned;
    }

    /** The grant's status alone: the state changes that need no more read one column, not the grant with its hashes. */
    private static GrantStatus status(DbTransaction tx, GrantId id) {
        return tx.get("SELECT status FROM faucet_grants WHERE id = ?", id.value())
                .map(SqlGrantLedger::status)
                .orElseThrow(() -> new NoSuchElementException("no grant " + id));
    }

    /** A row's {@code status} column, stored in lower case. */
    private static GrantStatus status(DbRow row) {
        return status(Rows.text(row, "status"));
    }

    private static GrantStatus status(String stored) {
        return GrantStatus.valueOf(stored.toUpperCase(Locale.ROOT));
    }

    private static Grant load(DbTransaction tx, GrantId id) {
        return tx.get(SELECT_GRANT + " WHERE g.id = ?", id.value()).map(SqlGrantLedger::grant)
                .orElseThrow(() -> new NoSuchElementException("no grant " + id));
    }

    private static List<Grant> grants(DbExecute db, String sql, Object... params) {
        try (Stream<DbRow> rows = db.query(sql, params)) {
            return rows.map(SqlGrantLedger::grant).toList();
        }
    }

    private void requireLease(DbTransaction tx, Lease lease) {
        if (!SqlPayerLeases.inForce(database.dialect(), tx, lease)) {
            throw new LeaseLostException(lease);
        }
    }

    private static void requirePays(Grant grant, SignedTransaction signed) {
        if (!signed.transaction().to().equals(grant.address()) || !signed.transaction().value().equals(grant.amount())) {
            throw new IllegalArgumentException("the transaction does not pay grant " + grant.id()
                    + " its recipient and amount");
        }
    }

    private static void recordHash(DbTransaction tx, GrantId id, SignedTransaction signed, String time) {
        tx.insert("INSERT INTO grant_tx_hashes (grant_id, tx_hash, nonce, raw_tx, created_at) VALUES (?, ?, ?, ?, ?)",
                id.value(), signed.hash().value(), signed.nonce(), signed.rawHex(), time);
    }

    /** The {@code tx_hashes} column: every hash, oldest first, comma-joined by the query. */
    private static List<TxHash> hashes(DbRow row) {
        return hashes(Rows.optionalText(row, "tx_hashes"));
    }

    private static List<TxHash> hashes(Optional<String> joined) {
        return joined.map(text -> Arrays.stream(text.split(",")).map(TxHash::new).toList()).orElse(List.of());
    }

    private static Grant grant(DbRow row) {
        List<TxHash> hashes = hashes(row);
        return new Grant(
                new GrantId(Rows.text(row, "id")),
                new Address(Rows.text(row, "address")),
                new ClientIp(Rows.text(row, "ip")),
                Wei.parse(Rows.text(row, "amount_wei")),
                status(row),
                Rows.optionalText(row, "idempotency_key"),
                Rows.text(row, "request_hash"),
                Rows.optionalText(row, "from_address").map(Address::new),
                Rows.optionalInteger(row, "nonce"),
                Rows.optionalText(row, "raw_tx"),
                FeeColumns.read(row),
                hashes,
                Rows.optionalText(row, "landed_hash").map(TxHash::new),
                Rows.optionalInteger(row, "block_number"),
                Rows.optionalText(row, "block_hash"),
                Rows.optionalText(row, "failure_reason"),
                Rows.time(row, "created_at"),
                Rows.time(row, "updated_at"),
                Rows.optionalTime(row, "last_sent_at"),
                factors(Rows.optionalText(row, "factors")));
    }

    private static String statusText(GrantStatus status) {
        return status.name().toLowerCase(Locale.ROOT);
    }

    /** The minute an instant is in, as {@code paid_per_minute} keys it ({@code YYYY-MM-DD HH:MM}, which PostgreSQL reads too). */
    static String minute(Instant instant) {
        return Timestamps.format(instant).substring(0, 16);
    }

    private static Instant millis(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }
}
