package com.dytallix.application.payer;

import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.PayerLeases;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Whether this instance is the payer: it takes or renews the payer lease in the shared database
 * (often enough that a live payer never loses it). The database judges the lease by its own clock;
 * this instance believes in it for the lease's duration counted from just before it asked, on a
 * monotonic timer, which ends no later than the database's lease and does not move when the host's
 * clock is set or jumps. A payer frozen past its lease finds the lease gone when it wakes, before it
 * signs or sends anything; whatever it still tries to store is refused by the lease's fencing token.
 * Whenever this instance takes the lease anew, {@code onTakeover} runs (the nonces must be learned
 * again from the chain and the ledger, since another payer may have used some in between).
 */
public final class PayerElection {
    private static final System.Logger LOG = System.getLogger(PayerElection.class.getName());

    private final PayerLeases leases;
    private final String instance;
    private final String session = UUID.randomUUID().toString();
    private final Duration duration;
    private final Runnable onTakeover;
    private final java.util.function.BooleanSupplier mayPay;
    private volatile Held held;
    private volatile boolean resigned;

    /** The lease and the {@link System#nanoTime()} until which this instance believes in it. */
    private record Held(Lease lease, long untilNanos) {
        boolean lasts() {
            return System.nanoTime() - untilNanos < 0;
        }
    }

    public PayerElection(PayerLeases leases, String instance, Duration duration, Runnable onTakeover) {
        this(leases, instance, duration, onTakeover, () -> true);
    }

    /**
     * @param mayPay whether paying is allowed at all now (the node is on the ledger's chain: {@code ChainGuard}); while it
     *               is not, the lease is kept and renewed but {@link #held()} shows none, so nothing is signed or sent
     */
    public PayerElection(PayerLeases leases, String instance, Duration duration, Runnable onTakeover,
                         java.util.function.BooleanSupplier mayPay) {
        this.leases = leases;
        this.instance = instance;
        this.duration = duration;
        this.onTakeover = onTakeover;
        this.mayPay = mayPay;
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
        Held before = held;
        // counted from before the call: the database starts the lease later, so it outlasts this belief
        long asked = System.nanoTime();
        Optional<Lease> taken;
        try {
            taken = leases.acquire(instance, session, duration);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "payer lease not renewed: " + e.getMessage());
            return held().isPresent();
        }
        if (taken.isEmpty()) {
            if (before != null) {
                LOG.log(System.Logger.Level.WARNING, "instance {0} lost the payer lease (token {1})", instance, before.lease().token());
            }
            held = null;
            return false;
        }
        if (before == null || before.lease().token() != taken.get().token()) {
            onTakeover.run();
            LOG.log(System.Logger.Level.INFO, "instance {0} is the payer (lease token {1})", instance, taken.get().token());
        }
        held = new Held(taken.get(), asked + duration.toNanos());
        return true;
    }

    /** The lease, while this instance may still believe in it and paying is allowed. */
    public Optional<Lease> held() {
        Held h = held;
        return h != null && h.lasts() && mayPay.getAsBoolean() ? Optional.of(h.lease()) : Optional.empty();
    }

    public boolean isPayer() {
        return held().isPresent();
    }

    /**
     * Whether this instance holds the payer lease, paying allowed or not (the payer-lease gauge: while the node's chain
     * is not the ledger's the lease is still held, and the faucet's pause, not a missing payer, says why nothing is paid).
     */
    public boolean holdsLease() {
        Held h = held;
        return h != null && h.lasts();
    }

    /**
     * A write was refused by the fence: the lease is gone, whatever this instance believed. Taken over by another
     * instance (this one stalled past it) is a WARN; revoked with nobody holding it now, the faucet's own doing (an
     * adoption of a relaunched chain revokes it, and this instance takes it anew at its next renewal), is INFO.
     */
    public synchronized void lost(Lease refused) {
        Held h = held;
        if (h != null && h.lease().token() == refused.token()) {
            held = null;
            Optional<Lease> now;
            try {
                now = leases.current();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "instance {0}: the payer lease (token {1}) is lost", instance, refused.token());
                return;
            }
            if (now.isPresent() && !session.equals(now.get().session())) {
                LOG.log(System.Logger.Level.WARNING, "instance {0}: the payer lease (token {1}) was taken over by {2}", instance,
                        refused.token(), now.get().holder());
            } else {
                LOG.log(System.Logger.Level.INFO, "instance {0}: the payer lease (token {1}) was revoked (a chain adoption does)"
                        + " or ran out, and no other instance holds it: this instance takes it anew", instance, refused.token());
            }
        }
    }

    /** The instance holding the lease now, as the database says. */
    public Optional<String> payer() {
        return leases.current().map(Lease::holder);
    }

    /** Graceful stop: gives the lease up at once, so another instance pays without waiting for it to run out. */
    public synchronized void resign() {
        resigned = true;
        Held h = held;
        held = null;
        if (h != null) {
            leases.release(h.lease());
            LOG.log(System.Logger.Level.INFO, "instance {0} handed the payer lease over", instance);
        }
    }
}
