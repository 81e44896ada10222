package com.dytallix.adapters.persistence;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.LedgerWindow.AddressSpread;
import com.dytallix.domain.grant.ReservationRequest;
import java.math.BigInteger;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The admission rules' reads of the ledger inside a reservation, and on PostgreSQL all of one reservation's reads in one
 * statement. The rules ask one query at a time (the address spread, three quotas, the daily cap's totals), each a round
 * trip to PostgreSQL while the reservations' lock is held, and every reservation queued behind waits for all of them. The
 * rules ask the same reads of every request, relative to its client, subnet, recipient and time; so the reads one
 * reservation made ({@link Read}) are asked for the next one in a single statement before its rules run ({@link #ask}),
 * and a read its rules then make as learned is answered from that statement, any other from the database as before.
 * Both are inside the reservation's transaction under its lock, so the answers are the same either way. The first
 * reservation of a group write asks there the outflow budget's stored level too ({@link Level}), which the whole batch
 * then carries: one statement fewer a batch than a read of its own.
 */
final class ReservationReads {
    /** Grants that count in a quota or cap: not failed, created after the window's start. */
    static final String COUNTING = "status <> 'failed' AND created_at > ?";
    private static final BigInteger GWEI = BigInteger.TEN.pow(9);

    private ReservationReads() {
    }

    /** The outflow budget's level as last stored (V004), and when. */
    record Level(BigInteger wei, Instant at) {
    }

    /** The stored level's two columns; no row before the first grant. */
    private static final String LEVEL = "SELECT level_wei, updated_at FROM outflow_budget WHERE id = 1";

    /** The level as last stored; empty before the first grant. */
    static Optional<Level> level(Connection connection) {
        return JdbcReads.first(connection, LEVEL, row -> level(row, 1));
    }

    /** The level in the row's columns {@code column} and the next. */
    private static Level level(java.sql.ResultSet row, int column) throws java.sql.SQLException {
        return new Level(new BigInteger(JdbcReads.text(row, column)), JdbcReads.time(row, column + 1));
    }

    /** What {@link #ask} answered: each read's value as its window method answers it, and the level when it was asked. */
    record Answers(Map<Read, Object> reads, Optional<Level> level) {
        static final Answers NONE = new Answers(Map.of(), Optional.empty());
    }

    /** What a rule read, relative to the reservation's request: its time minus {@code back} is the window's start. */
    record Read(Kind kind, Duration back, int nth) {
        /** The read a rule made with {@code value} and {@code since}, when {@code value} is the request's own; else null. */
        static Read of(Kind kind, ReservationRequest request, String value, Instant since, int nth) {
            return value.equals(kind.of(request)) ? new Read(kind, Duration.between(since, request.now()), nth) : null;
        }

        Instant since(ReservationRequest request) {
            return request.now().minus(back);
        }
    }

    /** The reads the rules make: a quota's n-th newest grant per client, subnet or recipient, the daily cap's totals, the address spread. */
    enum Kind {
        CLIENT("client"), SUBNET("subnet"), ADDRESS("address"), PAID_AT_MOST(null), SPREAD(null);

        private final String column;

        Kind(String column) {
            this.column = column;
        }

        /** The grants' column a quota of this kind counts by (null for the totals and the spread). */
        String column() {
            return column;
        }

        /** The request's own value of this read's subject. */
        String of(ReservationRequest request) {
            return switch (this) {
                case CLIENT, SPREAD -> request.client().toString();
                case SUBNET -> request.subnet().toString();
                case ADDRESS -> request.address().value();
                case PAID_AT_MOST -> "";
            };
        }
    }

    /**
     * The time of the {@code nth} newest counting grant of {@code column} = the first parameter in the window, or NULL:
     * walked newest first along the (column, created_at) index, which hands back one row, and only when the window holds
     * at least {@code nth} grants of any status, which the index alone counts (most clients are below their quota, and
     * then no row is read at all). Parameters: value, since, nth, value, since, nth - 1.
     */
    static String nthNewest(String column) {
        return "SELECT CASE WHEN (SELECT COUNT(*) FROM faucet_grants WHERE " + column + " = ? AND created_at > ?) >= ?"
                + " THEN (SELECT created_at FROM faucet_grants WHERE " + column + " = ? AND " + COUNTING
                + " ORDER BY created_at DESC LIMIT 1 OFFSET ?) END AS created_at";
    }

    static Object[] nthNewestParams(String value, String since, int nth) {
        return new Object[] {value, since, nth, value, since, nth - 1};
    }

    /** Every grant reserved from the minute of the window's start on, each rounded up to whole gwei, failed ones too (V008). */
    static final String PAID_AT_MOST = "SELECT COALESCE(SUM(gwei), 0) AS gwei FROM paid_per_minute WHERE minute >= ?";

    static Wei gwei(long gwei) {
        return new Wei(BigInteger.valueOf(gwei).multiply(GWEI));
    }

    /**
     * Fingerprints and grants together: a grant reserved a moment ago has no fingerprint yet. The condition on the outcome
     * is the one of the partial index (client, created_at) (V013): a query that says so reads it. Parameters: client,
     * since, client, since.
     */
    static final String SPREAD = """
            SELECT COUNT(DISTINCT address) AS addresses, MIN(created_at) AS oldest FROM (
                SELECT address, created_at FROM request_fingerprints WHERE client = ? AND created_at > ? AND outcome <> 'blocked'
                UNION ALL
                SELECT address, created_at FROM faucet_grants WHERE client = ? AND created_at > ?) AS seen""";

    /**
     * Asks every read of {@code reads} for {@code request} in one statement on the transaction's {@code connection}: each
     * quota and total a column of scalar subqueries, the address spread (the first one asked) two columns of a subquery
     * in its {@code FROM}; with {@code level}, the budget's stored level too (two more scalar subqueries, NULL when none
     * is stored). Answers each read's value as its window method answers it.
     */
    static Answers ask(Connection connection, List<Read> reads, ReservationRequest request, boolean level) {
        List<String> columns = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        List<Read> asked = new ArrayList<>();
        Read spread = null;
        for (Read read : reads) {
            String since = Timestamps.format(read.since(request));
            switch (read.kind()) {
                case CLIENT, SUBNET, ADDRESS -> {
                    columns.add("(" + nthNewest(read.kind().column()) + ")");
                    params.addAll(List.of(nthNewestParams(read.kind().of(request), since, read.nth())));
                    asked.add(read);
                }
                case PAID_AT_MOST -> {
                    columns.add("(" + PAID_AT_MOST + ")");
                    params.add(SqlGrantLedger.minute(read.since(request)));
                    asked.add(read);
                }
                case SPREAD -> spread = spread == null ? read : spread;
            }
        }
        String from = "";
        if (spread != null) {
            columns.add("spread.addresses");
            columns.add("spread.oldest");
            String since = Timestamps.format(spread.since(request));
            params.addAll(List.of(request.client().toString(), since, request.client().toString(), since));
            from = " FROM (" + SPREAD + ") AS spread";
        }
        if (level) {
            columns.add("(SELECT level_wei FROM outflow_budget WHERE id = 1)");
            columns.add("(SELECT updated_at FROM outflow_budget WHERE id = 1)");
        }
        if (columns.isEmpty()) {
            return Answers.NONE;
        }
        Read spreadRead = spread;
        return JdbcReads.first(connection, "SELECT " + String.join(", ", columns) + from, row -> {
            Map<Read, Object> answers = new HashMap<>();
            int column = 1;
            for (Read read : asked) {
                answers.put(read, read.kind() == Kind.PAID_AT_MOST ? gwei(JdbcReads.integer(row, column))
                        : JdbcReads.optionalTime(row, column));
                column++;
            }
            if (spreadRead != null) {
                answers.put(spreadRead, new AddressSpread((int) JdbcReads.integer(row, column), JdbcReads.optionalTime(row, column + 1)));
                column += 2;
            }
            return new Answers(answers, level && row.getString(column) != null ? Optional.of(level(row, column)) : Optional.empty());
        }, params.toArray()).orElseThrow();
    }

    /** For {@link Optional} answers kept as values of {@link #ask}'s map. */
    @SuppressWarnings("unchecked")
    static Optional<Instant> time(Object answer) {
        return (Optional<Instant>) answer;
    }
}
