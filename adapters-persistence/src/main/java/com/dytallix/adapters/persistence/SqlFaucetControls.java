package com.dytallix.adapters.persistence;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.AuditEntry;
import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.faucet.PauseState;
import com.dytallix.domain.faucet.TopUp;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Pause state ({@code faucet_state}, one row), top-ups ({@code topups}) and the admin audit trail
 * ({@code audit_log}). Pausing an already paused faucet keeps the time it was first paused and
 * keeps the earlier reason unless a new one is given.
 *
 * <p>The pause state is asked for by every faucet request, so it is held in memory and read again
 * at most once per refresh interval: a pause or resume made here applies at once, one made by
 * another instance within the interval.
 */
final class SqlFaucetControls implements FaucetControls {
    private final Database database;
    private final long refreshNanos;
    private final ReentrantLock refreshing = new ReentrantLock();
    private volatile Known known;

    SqlFaucetControls(Database database, Duration refresh) {
        this.database = database;
        this.refreshNanos = refresh.toNanos();
    }

    private record Known(PauseState state, long readAt) {
    }

    @Override
    public PauseState pauseState() {
        Known seen = known;
        if (seen != null && System.nanoTime() - seen.readAt() < refreshNanos) {
            return seen.state();
        }
        if (seen != null && !refreshing.tryLock()) {
            return seen.state(); // another caller is reading it right now
        }
        if (seen == null) {
            refreshing.lock();
        }
        try {
            long readAt = System.nanoTime();
            PauseState state = database.read(SqlFaucetControls::state);
            known = new Known(state, readAt);
            return state;
        } finally {
            refreshing.unlock();
        }
    }

    /** After this instance's own change: under the lock, so a read that began before the change cannot overwrite it. */
    private PauseState remembered(PauseState state) {
        refreshing.lock();
        try {
            known = new Known(state, System.nanoTime());
            return state;
        } finally {
            refreshing.unlock();
        }
    }

    @Override
    public PauseState pause(Optional<String> reason, Instant at) {
        return remembered(database.write(tx -> {
            PauseState current = state(tx);
            PauseState next = current.paused()
                    ? new PauseState(true, reason.or(current::reason), current.since())
                    : new PauseState(true, reason, Optional.of(at.truncatedTo(ChronoUnit.MILLIS)));
            tx.update("UPDATE faucet_state SET paused = 1, reason = ?, since = ?, updated_at = ? WHERE id = 1",
                    next.reason().orElse(null), Timestamps.format(next.since().orElseThrow()), Timestamps.format(at));
            return next;
        }));
    }

    @Override
    public PauseState resume(Instant at) {
        return remembered(database.write(tx -> {
            tx.update("UPDATE faucet_state SET paused = 0, reason = NULL, since = NULL, updated_at = ? WHERE id = 1",
                    Timestamps.format(at));
            return PauseState.RUNNING;
        }));
    }

    @Override
    public TopUp recordTopUp(TopUp topUp) {
        return database.write(tx -> {
            tx.insert("""
                    INSERT INTO topups (amount_wei, note, faucet_address, balance_after_wei, created_at)
                    VALUES (?, ?, ?, ?, ?)""",
                    topUp.amount().toString(), topUp.note(), topUp.faucetAddress().value(),
                    topUp.balanceAfter().toString(), Timestamps.format(topUp.at()));
            long id = tx.get(database.dialect().lastInsertId()).map(row -> Rows.integer(row, "id")).orElseThrow();
            return new TopUp(Optional.of(id), topUp.amount(), topUp.note(), topUp.faucetAddress(),
                    topUp.balanceAfter(), topUp.at().truncatedTo(ChronoUnit.MILLIS));
        });
    }

    /** Newest first. */
    @Override
    public List<TopUp> recentTopUps(int limit) {
        return database.read(db -> {
            try (Stream<DbRow> rows = db.query("SELECT * FROM topups ORDER BY created_at DESC, id DESC LIMIT ?", limit)) {
                return rows.map(row -> new TopUp(Optional.of(Rows.integer(row, "id")),
                        Wei.parse(Rows.text(row, "amount_wei")), Rows.text(row, "note"),
                        new Address(Rows.text(row, "faucet_address")), Wei.parse(Rows.text(row, "balance_after_wei")),
                        Rows.time(row, "created_at"))).toList();
            }
        });
    }

    @Override
    public void audit(AuditEntry entry) {
        database.write(tx -> tx.insert("INSERT INTO audit_log (at, action, ip, outcome, detail) VALUES (?, ?, ?, ?, ?)",
                Timestamps.format(entry.at()), entry.action(), entry.ip().value(), entry.outcome(), entry.detail()));
    }

    /** Newest first. */
    @Override
    public List<AuditEntry> recentAudit(int limit) {
        return database.read(db -> {
            try (Stream<DbRow> rows = db.query("SELECT * FROM audit_log ORDER BY at DESC, id DESC LIMIT ?", limit)) {
                return rows.map(row -> new AuditEntry(Rows.time(row, "at"), Rows.text(row, "action"),
                        new ClientIp(Rows.text(row, "ip")), Rows.text(row, "outcome"), Rows.text(row, "detail")))
                        .toList();
            }
        });
    }

    @Override
    public int pruneAudit(Instant before) {
        long deleted = database.write(tx -> tx.delete("DELETE FROM audit_log WHERE at < ?", Timestamps.format(before)));
        return Math.toIntExact(deleted);
    }

    private static PauseState state(DbExecute db) {
        return db.get("SELECT paused, reason, since FROM faucet_state WHERE id = 1")
                .map(row -> Rows.integer(row, "paused") == 1
                        ? new PauseState(true, Rows.optionalText(row, "reason"), Rows.optionalTime(row, "since"))
                        : PauseState.RUNNING)
                .orElseThrow(() -> new IllegalStateException("faucet_state has no row; is the database migrated?"));
    }
}
