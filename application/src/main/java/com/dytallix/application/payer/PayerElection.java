package com.dytallix.application.payer;

import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.PayerLeases;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Whether this instance is the payer: it takes or renews the payer lease in the shared database
 * (often enough that a live payer never loses it), and knows the lease only as long as it lasts by
 * this instance's own clock. A payer frozen past its lease finds the lease gone when it wakes, before
 * it signs or sends anything; whatever it still tries to store is refused by the lease's fencing
 * token. Whenever this instance takes the lease anew, {@code onTakeover} runs (the nonces must be
 * learned again from the chain and the ledger, since another payer may have used some in between).
 */
public final class PayerElection {
    private static final System.Logger LOG = System.getLogger(PayerElection.class.getName());

    private final PayerLeases leases;
    private final String instance;
    private final String session = UUID.randomUUID().toString();
    private final Duration duration;
    private final Runnable onTakeover;
    private final Clock clock;
    private volatile Lease lease;
    private volatile boolean resigned;

    public PayerElection(PayerLeases leases, String instance, Duration duration, Clock clock, Runnable onTakeover) {
        this.leases = leases;
        this.instance = instance;
        this.duration = duration;
        this.clock = clock;
        this.onTakeover = onTakeover;
    }

    /** This instance's name, as status, metrics and the lease show it. */
    public String instance() {
        return instance;
    }

    /**
     * How often {@link #campaign()} should run: many renewals fit in one lease, and a lease handed
     * over by a graceful stop is taken within a second.
     */
    public Duration renewEvery() {
        Duration tenth = duration.dividedBy(10);
        return tenth.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : tenth;
    }

    /**
     * Renews the lease, or takes it when it is free or expired. Returns whether this instance is
     * the payer now. A database failure counts as not holding it (the lease runs out by itself).
     */
    public synchronized boolean campaign() {
        if (resigned) {
            return false;
        }
        Lease before = lease;
        Optional<Lease> taken;
        try {
            // the lease is counted from before the call: this instance never believes in it longer than the database does
            taken = leases.acquire(instance, session, clock.instant(), duration);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "payer lease not renewed: " + e.getMessage());
            return held().isPresent();
        }
        if (taken.isEmpty()) {
            if (before != null) {
                LOG.log(System.Logger.Level.WARNING, "instance {0} lost the payer lease (token {1})", instance, before.token());
            }
            lease = null;
            return false;
        }
        if (before == null || before.token() != taken.get().token()) {
            onTakeover.run();
            LOG.log(System.Logger.Level.INFO, "instance {0} is the payer (lease token {1})", instance, taken.get().token());
        }
        lease = taken.get();
        return true;
    }

    /** The lease, while it lasts by this instance's clock. */
    public Optional<Lease> held() {
        Lease l = lease;
        return l != null && l.validAt(clock.instant()) ? Optional.of(l) : Optional.empty();
    }

    public boolean isPayer() {
        return held().isPresent();
    }

    /** A write was refused by the fence: the lease is gone, whatever this instance believed. */
    public synchronized void lost(Lease refused) {
        if (lease != null && lease.token() == refused.token()) {
            LOG.log(System.Logger.Level.WARNING, "instance {0}: the payer lease (token {1}) was taken over", instance, refused.token());
            lease = null;
        }
    }

    /** The instance holding the lease now, as the database says. */
    public Optional<String> payer() {
        return leases.current(clock.instant()).map(Lease::holder);
    }

    /** Graceful stop: gives the lease up at once, so another instance pays without waiting for it to run out. */
    public synchronized void resign() {
        resigned = true;
        Lease l = lease;
        lease = null;
        if (l != null) {
            leases.release(l, clock.instant());
            LOG.log(System.Logger.Level.INFO, "instance {0} handed the payer lease over", instance);
        }
    }
}
