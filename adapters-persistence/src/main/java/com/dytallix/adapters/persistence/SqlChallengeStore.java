package com.dytallix.adapters.persistence;

import com.dytallix.domain.Address;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.admission.Challenge;
import com.dytallix.domain.admission.ChallengeStore;
import io.helidon.dbclient.DbRow;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Proof-of-work challenges in {@code pow_challenges}, shared by every instance on the database. Every
 * challenge this server issues has a proven id ({@code proven = 1}); the previous version's have not.
 */
final class SqlChallengeStore implements ChallengeStore {
    private final Database database;
    private final long refreshNanos;
    private final AtomicBoolean checking = new AtomicBoolean();
    private volatile Unproven unproven;

    SqlChallengeStore(Database database, Duration refresh) {
        this.database = database;
        this.refreshNanos = refresh.toNanos();
    }

    private record Unproven(boolean held, long checkedAt) {
    }

    /** Challenges that expired unanswered are deleted here, so the table stays as small as the traffic. */
    @Override
    public void issue(Challenge c, Instant now) {
        database.write(tx -> {
            tx.delete("DELETE FROM pow_challenges WHERE expires_at < ?", Timestamps.format(now));
            return tx.insert("""
                    INSERT INTO pow_challenges (id, address, client, difficulty, n, r, p, expires_at, proven)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)""",
                    c.id(), c.address().value(), c.client().toString(), c.difficulty(), c.n(), c.r(), c.p(),
                    Timestamps.format(c.expiresAt()));
        });
    }

    /** A made-up id is answered by a read alone: refusing it never waits for the writer. */
    @Override
    public Optional<Challenge> take(String id) {
        if (database.read(db -> db.get("SELECT 1 FROM pow_challenges WHERE id = ?", id)).isEmpty()) {
            return Optional.empty();
        }
        return database.write(tx -> {
            Optional<Challenge> found = tx.get("SELECT * FROM pow_challenges WHERE id = ?", id)
                    .map(SqlChallengeStore::challenge);
            found.ifPresent(c -> tx.delete("DELETE FROM pow_challenges WHERE id = ?", id));
            return found;
        });
    }

    /**
     * Read at most once per refresh interval (one thread reads, the others answer what was read last),
     * along the partial index of unproven challenges: under a flood of made-up ids, a few reads a
     * second. A challenge the previous version issues just after a read is looked up from the next one.
     */
    @Override
    public boolean mayHoldUnprovenIds(Instant now) {
        Unproven seen = unproven;
        if (seen != null && (System.nanoTime() - seen.checkedAt() < refreshNanos || !checking.compareAndSet(false, true))) {
            return seen.held();
        }
        if (seen == null) {
            checking.set(true);
        }
        try {
            boolean held = database.read(db -> db.get("SELECT 1 AS found FROM pow_challenges WHERE proven = 0 AND expires_at > ? LIMIT 1",
                    Timestamps.format(now))).isPresent();
            unproven = new Unproven(held, System.nanoTime());
            return held;
        } finally {
            checking.set(false);
        }
    }

    private static Challenge challenge(DbRow row) {
        return new Challenge(Rows.text(row, "id"), new Address(Rows.text(row, "address")),
                IpRange.parse(Rows.text(row, "client")), Rows.integer(row, "difficulty").intValue(),
                Rows.integer(row, "n").intValue(), Rows.integer(row, "r").intValue(), Rows.integer(row, "p").intValue(),
                Rows.time(row, "expires_at"));
    }
}
