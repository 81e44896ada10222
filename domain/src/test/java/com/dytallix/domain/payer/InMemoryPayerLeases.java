package com.dytallix.domain.payer;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** {@link PayerLeases} in memory for tests, with the SQLite store's semantics (instants kept to the millisecond). */
public final class InMemoryPayerLeases implements PayerLeases {
    private Lease lease;
    private long token;

    @Override
    public synchronized Optional<Lease> acquire(String holder, String session, Instant now, Duration duration) {
        Instant at = now.truncatedTo(ChronoUnit.MILLIS);
        Instant until = at.plus(duration);
        if (lease != null && lease.session().equals(session)) {
            lease = new Lease(holder, session, lease.token(), until);
            return Optional.of(lease);
        }
        if (lease != null && lease.validAt(at)) {
            return Optional.empty();
        }
        lease = new Lease(holder, session, ++token, until);
        return Optional.of(lease);
    }

    @Override
    public synchronized void release(Lease released, Instant now) {
        if (lease != null && lease.token() == released.token()) {
            lease = null;
        }
    }

    @Override
    public synchronized Optional<Lease> current(Instant now) {
        return Optional.ofNullable(lease).filter(l -> l.validAt(now));
    }

    /** The fence the ledger checks: {@code held} is the lease in force at {@code at}. */
    public synchronized boolean inForce(Lease held, Instant at) {
        return lease != null && lease.token() == held.token() && lease.session().equals(held.session()) && lease.validAt(at);
    }
}
