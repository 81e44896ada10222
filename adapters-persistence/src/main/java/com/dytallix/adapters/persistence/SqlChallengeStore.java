package com.dytallix.adapters.persistence;

import com.dytallix.domain.Address;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.admission.Challenge;
import com.dytallix.domain.admission.ChallengeStore;
import io.helidon.dbclient.DbRow;
import java.time.Instant;
import java.util.Optional;

/** Proof-of-work challenges in {@code pow_challenges}, shared by every instance on the database. */
final class SqlChallengeStore implements ChallengeStore {
    private final Database database;

    public SqlChallengeStore(Database database) {
        this.database = database;
    }

    /** Challenges that expired unanswered are deleted here, so the table stays as small as the traffic. */
    @Override
    public void issue(Challenge c, Instant now) {
        database.write(tx -> {
            tx.delete("DELETE FROM pow_challenges WHERE expires_at < ?", Timestamps.format(now));
            return tx.insert("""
                    INSERT INTO pow_challenges (id, address, client, difficulty, n, r, p, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
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

    private static Challenge challenge(DbRow row) {
        return new Challenge(Rows.text(row, "id"), new Address(Rows.text(row, "address")),
                IpRange.parse(Rows.text(row, "client")), Rows.integer(row, "difficulty").intValue(),
                Rows.integer(row, "n").intValue(), Rows.integer(row, "r").intValue(), Rows.integer(row, "p").intValue(),
                Rows.time(row, "expires_at"));
    }
}
