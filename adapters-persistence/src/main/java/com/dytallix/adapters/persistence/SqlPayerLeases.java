package com.dytallix.adapters.persistence;

import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.PayerLeases;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;
import java.time.Duration;
import java.util.Optional;

/**
 * The payer lease in the one-row table {@code payer_lease}. Every change is a write transaction
 * (one writer at a time, across processes and instances too), so of instances racing for a free
 * lease exactly one wins, and a signing write that checks the lease in its own transaction sees the
 * latest holder. Every time is the database's clock, read inside the statement that compares or
 * writes it: instances on hosts whose clocks disagree still agree on who holds the lease.
 */
final class SqlPayerLeases implements PayerLeases {
    private static final String HELD = "id = 1 AND token = ? AND session = ? AND expires_at > ";
    private static final String COLUMNS = "SELECT holder, session, token, expires_at FROM payer_lease WHERE id = 1";

    private final Database database;
    private final String now;

    public SqlPayerLeases(Database database) {
        this.database = database;
        this.now = database.dialect().now();
    }

    @Override
    public Optional<Lease> acquire(String holder, String session, Duration duration) {
        String until = database.dialect().nowPlus();
        return database.write(tx -> {
            // one statement decides: the holder renews (same token); anyone takes a free or expired lease (next token)
            long taken = tx.update("UPDATE payer_lease SET token = CASE WHEN session = ? THEN token ELSE token + 1 END,"
                    + " holder = ?, session = ?, expires_at = " + until + ", updated_at = " + now
                    + " WHERE id = 1 AND (session = ? OR holder IS NULL OR expires_at <= " + now + ")",
                    session, holder, session, Dialect.interval(duration), session);
            return taken == 1 ? Optional.of(load(tx)) : Optional.<Lease>empty();
        });
    }

    @Override
    public void release(Lease lease) {
        database.write(tx -> tx.update("UPDATE payer_lease SET holder = NULL, session = NULL, expires_at = " + now
                + ", updated_at = " + now + " WHERE id = 1 AND token = ? AND session = ?", lease.token(), lease.session()));
    }

    @Override
    public Optional<Lease> current() {
        return database.read(db -> db.get(COLUMNS + " AND holder IS NOT NULL AND expires_at > " + now))
                .map(SqlPayerLeases::lease);
    }

    /** The fence of every signing write, inside that write's transaction: is {@code lease} the one in force now, by the database's clock? */
    static boolean inForce(Dialect dialect, DbTransaction tx, Lease lease) {
        return tx.get("SELECT 1 AS held FROM payer_lease WHERE " + HELD + dialect.now(), lease.token(), lease.session()).isPresent();
    }

    /**
     * The same fence as a condition of the writing statement itself, its two parameters the lease's
     * token and session: the statement changes nothing unless the lease is in force.
     */
    static String inForceCondition(Dialect dialect) {
        return "EXISTS (SELECT 1 FROM payer_lease WHERE " + HELD + dialect.now() + ")";
    }

    private static Lease load(DbExecute db) {
        return db.get(COLUMNS).map(SqlPayerLeases::lease)
                .orElseThrow(() -> new IllegalStateException("the payer_lease row is missing; run the migrate command"));
    }

    private static Lease lease(DbRow row) {
        return new Lease(Rows.optionalText(row, "holder").orElse(null), Rows.optionalText(row, "session").orElse(null),
                Rows.integer(row, "token"), Rows.time(row, "expires_at"));
    }
}
