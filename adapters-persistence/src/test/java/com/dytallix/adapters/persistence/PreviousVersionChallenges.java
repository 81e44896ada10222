package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.admission.Challenge;
import java.time.Instant;

/** A rolling deployment: the previous version issues challenges (no proven id) into the same table. */
final class PreviousVersionChallenges {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    private PreviousVersionChallenges() {
    }

    /** Its INSERT, word for word: it knows nothing of the column {@code proven}. */
    static void issue(Database db, String id, Instant expiresAt) {
        db.write(tx -> tx.insert("""
                INSERT INTO pow_challenges (id, address, client, difficulty, n, r, p, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", id, "0x00000000000000000000000000000000000000aa", "10.0.0.1/32", 12, 16384, 8, 1,
                Timestamps.format(expiresAt)));
    }

    static void check(Database db, SqlChallengeStore store) {
        store.issue(new Challenge("0123456789abcdef0123456789abcdef", new Address("0x00000000000000000000000000000000000000aa"),
                IpRange.parse("10.0.0.1/32"), 12, 16384, 8, 1, T0.plusSeconds(600)), T0);
        assertThat(store.mayHoldUnprovenIds(T0)).as("only this version's challenges").isFalse();

        issue(db, "fedcba9876543210fedcba9876543210", T0.plusSeconds(600));
        assertThat(store.mayHoldUnprovenIds(T0)).as("one of the previous version's, not expired").isTrue();
        assertThat(store.take("fedcba9876543210fedcba9876543210")).get().extracting(Challenge::difficulty).isEqualTo(12);
        assertThat(store.mayHoldUnprovenIds(T0)).as("used").isFalse();

        issue(db, "fedcba9876543210fedcba9876543211", T0.plusSeconds(600));
        assertThat(store.mayHoldUnprovenIds(T0.plusSeconds(601))).as("expired").isFalse();
    }
}
