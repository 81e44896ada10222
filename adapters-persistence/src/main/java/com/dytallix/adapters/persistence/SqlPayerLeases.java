package com.dytallix.adapters.persistence;

import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.PayerLeases;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The payer lease in the one-row table {@code payer_lease}. Every change is a write transaction
 * (SQLite's single writer, across processes too), so of instances racing for a free lease exactly
 * one wins, and a signing write that checks the lease in its own transaction sees the latest holder.
 */
final class SqlPayerLeases implements PayerLeases {
    private final Database database;

    public SqlPayerLeases(Database database) {
        this.database = database;
    }

    @Override
    public Optional<Lease> acquire(String holder, String session, Instant now, Duration duration) {
        Instant at = now.truncatedTo(ChronoUnit.MILLIS);
        return database.write(tx -> {
            Lease current = load(tx);
            boolean mine = session.equals(current.session());
            if (!mine && current.holder() != null && current.validAt(at)) {
                return Optional.empty();
            }
            long token = mine ? current.token() : current.token() + 1;
            Lease taken = new Lease(holder, session, token, at.plus(duration));
            tx.update("UPDATE payer_lease SET holder = ?, session = ?, token = ?, expires_at = ?, updated_at = ? WHERE id = 1",
                    holder, session, token, Timestamps.format(taken.expiresAt()), Timestamps.format(at));
            return Optional.of(taken);
        });
    }

    @Override
    public void release(Lease lease, Instant now) {
        String at = Timestamps.format(now);
        database.write(tx -> tx.update("""
                UPDATE payer_lease SET holder = NULL, session = NULL, expires_at = ?, updated_at = ?
                 WHERE id = 1 AND token = ? AND session = ?""", at, at, lease.token(), lease.session()));
    }

    @Override
    public Optional<Lease> current(Instant now) {
        return database.read(db -> Optional.of(load(db))).filter(l -> l.holder() != null && l.validAt(now));
    }

    /** The fence of every signing write, inside that write's transaction: is {@code lease} the one in force at {@code at}? */
    static boolean inForce(DbTransaction tx, Lease lease, Instant at) {
        Lease current = load(tx);
        return current.token() == lease.token() && lease.session().equals(current.session()) && current.validAt(at);
    }

    private static Lease load(DbExecute db) {
        DbRow row = db.get("SELECT holder, session, token, expires_at FROM payer_lease WHERE id = 1")
                .orElseThrow(() -> new IllegalStateException("the payer_lease row is missing; run the migrate command"));
        return new Lease(Rows.optionalText(row, "holder").orElse(null), Rows.optionalText(row, "session").orElse(null),
                Rows.integer(row, "token"), Rows.time(row, "expires_at"));
    }
}
