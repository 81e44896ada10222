package com.dytallix.domain.payer;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * {@link PayerLeases} in memory for tests, with the SQL stores' semantics: time is the store's own
 * clock (as a database's is), kept to the millisecond.
 */
public final class InMemoryPayerLeases implements PayerLeases {
    private final Clock databaseClock;
    private Lease lease;
    private long token;
    /** What the other in-memory stores of this "database" forget when a new chain is adopted (the stored transfers). */
    private final java.util.List<Runnable> onChainAdopted = new java.util.concurrent.CopyOnWriteArrayList<>();

    public InMemoryPayerLeases() {
        this(Clock.systemUTC());
    }

    public InMemoryPayerLeases(Clock databaseClock) {
        this.databaseClock = databaseClock;
    }

    @Override
    public synchronized Optional<Lease> acquire(String holder, String session, Duration duration) {
        Instant now = now();
        Instant until = now.plus(duration);
        if (lease != null && lease.session().equals(session)) {
            lease = new Lease(holder, session, lease.token(), until);
            return Optional.of(lease);
        }
        if (lease != null && live(lease, now)) {
            return Optional.empty();
        }
        lease = new Lease(holder, session, ++token, until);
        return Optional.of(lease);
    }

    @Override
    public synchronized void release(Lease released) {
        if (lease != null && lease.token() == released.token()) {
            lease = null;
        }
    }

    /**
     * A new chain was adopted (in the ledger's one transaction, as the SQL stores do it): the lease is revoked, so the
     * payer of the previous chain stores nothing more under it, and the stores registered here forget that chain.
     */
    public synchronized void chainAdopted() {
        lease = null;
        token++;
        onChainAdopted.forEach(Runnable::run);
    }

    /** {@code forget} runs whenever {@link #chainAdopted()} does. */
    public void onChainAdopted(Runnable forget) {
        onChainAdopted.add(forget);
    }

    @Override
    public synchronized Optional<Lease> current() {
        Instant now = now();
        return Optional.ofNullable(lease).filter(l -> live(l, now));
    }

    /** The fence the ledger checks: {@code held} is the lease in force now, by this store's clock. */
    public synchronized boolean inForce(Lease held) {
        return lease != null && lease.token() == held.token() && lease.session().equals(held.session()) && live(lease, now());
    }

    /** This store's clock now, which stands in for the database's: the ledger sharing it times admissions by it too. */
    public Instant databaseTime() {
        return databaseClock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private Instant now() {
        return databaseTime();
    }

    private static boolean live(Lease l, Instant now) {
        return now.isBefore(l.expiresAt());
    }
}
