package com.dytallix.domain.payer;

import java.time.Duration;
import java.util.Optional;

/**
 * The one payer lease in the shared database: of all instances, the one holding it signs and
 * sends; the others admit grants and leave them in the ledger for it. Each method is one atomic step.
 *
 * <p>Time is the store's alone: whether a lease has expired, and until when a taken lease lasts, is
 * judged by the database's clock in the statement that takes it, so instances whose clocks disagree
 * (or jump) never both hold it, and never depose a live holder early.
 */
public interface PayerLeases {

    /**
     * Renews the lease when this session holds it (same token), or takes it when it is free,
     * released or expired (the token grows); the lease then lasts {@code duration} from the moment
     * the store takes it. Empty while another session holds a lease that has not expired.
     */
    Optional<Lease> acquire(String holder, String session, Duration duration);

    /** Gives the lease up at once, so another instance takes it without waiting; does nothing if it was lost already. */
    void release(Lease lease);

    /** The lease in force now, whoever holds it. */
    Optional<Lease> current();
}
