package com.dytallix.domain.payer;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The one payer lease in the shared database: of all instances, the one holding it signs and
 * sends; the others admit grants and leave them in the ledger for it. Each method is one atomic step.
 */
public interface PayerLeases {

    /**
     * Renews the lease when this session holds it (same token), or takes it when it is free,
     * released or expired (the token grows); the lease then lasts until {@code now + duration}.
     * Empty while another session holds a lease that has not expired at {@code now}.
     */
    Optional<Lease> acquire(String holder, String session, Instant now, Duration duration);

    /** Gives the lease up at once, so another instance takes it without waiting; does nothing if it was lost already. */
    void release(Lease lease, Instant now);

    /** The lease in force at {@code now}, whoever holds it. */
    Optional<Lease> current(Instant now);
}
