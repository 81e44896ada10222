package com.dytallix.application.faucet;

import com.dytallix.domain.Address;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.admission.Applicant;
import com.dytallix.domain.grant.GrantReservations;
import com.dytallix.domain.grant.Refusal;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The quota refusals the ledger gave lately, by whom they hold for (a client, a subnet, a recipient,
 * or everyone for the daily cap and the outflow governor) and until when, so that a client already
 * over a limit is refused from memory, with no database work.
 *
 * <p>Exact, because grants only ever add to what the ledger's rules count, on this instance or any
 * other: a refusal holds until its reset time unless a grant stops counting (it failed and gave its
 * quota back, or it was deleted). The ledger counts those ({@link GrantReservations#quotaReleases});
 * when the count moves, everything remembered is forgotten. So memory never lets a request through
 * (whatever it does not refuse goes to the ledger's atomic reservation, the judge of every grant),
 * and it refuses a request the ledger would let through only between another instance's release of
 * a quota and this instance seeing the count move (the store's refresh interval).
 */
final class RefusalMemory {
    /** Entries at most (about 200 bytes each); past it the expired ones go, and if none had, all of them. */
    static final int CAPACITY = 50_000;

    private final GrantReservations ledger;
    private final AtomicReference<Remembered> current = new AtomicReference<>(new Remembered(Long.MIN_VALUE));

    RefusalMemory(GrantReservations ledger) {
        this.ledger = ledger;
    }

    /** What the ledger's count of quota releases was before a reservation: {@link #remember} needs it. */
    long releases() {
        return ledger.quotaReleases();
    }

    /** A refusal remembered for this applicant that still holds, checked in the rules' order (client, subnet, address, everyone). */
    Optional<Refusal.RateLimited> refusal(Applicant a) {
        Remembered r = remembered(ledger.quotaReleases());
        Instant now = a.now();
        Refusal.RateLimited found = live(r.clients, a.client(), now);
        if (found == null) {
            found = live(r.subnets, a.subnet(), now);
        }
        if (found == null) {
            found = live(r.addresses, a.address(), now);
        }
        if (found == null) {
            Refusal.RateLimited all = r.everyone.get();
            if (all != null && now.isBefore(all.resetAt())) {
                found = all;
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * Remembers a refusal of the ledger, unless a quota was released since {@code releasesBefore}
     * (read before the ledger judged): the refusal may already be out of date then.
     */
    void remember(Applicant a, Refusal refusal, long releasesBefore) {
        if (!(refusal instanceof Refusal.RateLimited limited) || !a.now().isBefore(limited.resetAt())) {
            return;
        }
        Remembered r = remembered(releasesBefore);
        if (r.releases != releasesBefore) {
            return;
        }
        switch (limited.scope()) {
            case IP, SUSPICIOUS -> r.put(r.clients, a.client(), limited, a.now());
            case SUBNET -> r.put(r.subnets, a.subnet(), limited, a.now());
            case ADDRESS -> r.put(r.addresses, a.address(), limited, a.now());
            case DAILY_CAP -> r.everyone.accumulateAndGet(limited, RefusalMemory::later);
            case REQUESTS -> {
            }
        }
    }

    /** The memory that goes with this count of releases: a new, empty one when the count moved. */
    private Remembered remembered(long releases) {
        Remembered r = current.get();
        while (r.releases != releases) {
            Remembered fresh = new Remembered(releases);
            if (current.compareAndSet(r, fresh)) {
                return fresh;
            }
            r = current.get();
        }
        return r;
    }

    private static <K> Refusal.RateLimited live(ConcurrentHashMap<K, Refusal.RateLimited> map, K key, Instant now) {
        Refusal.RateLimited r = map.get(key);
        if (r == null) {
            return null;
        }
        if (now.isBefore(r.resetAt())) {
            return r;
        }
        map.remove(key, r);
        return null;
    }

    private static Refusal.RateLimited later(Refusal.RateLimited a, Refusal.RateLimited b) {
        return a == null || b.resetAt().isAfter(a.resetAt()) ? b : a;
    }

    private static final class Remembered {
        final long releases;
        final ConcurrentHashMap<IpRange, Refusal.RateLimited> clients = new ConcurrentHashMap<>();
        final ConcurrentHashMap<IpRange, Refusal.RateLimited> subnets = new ConcurrentHashMap<>();
        final ConcurrentHashMap<Address, Refusal.RateLimited> addresses = new ConcurrentHashMap<>();
        final AtomicReference<Refusal.RateLimited> everyone = new AtomicReference<>();

        Remembered(long releases) {
            this.releases = releases;
        }

        <K> void put(ConcurrentHashMap<K, Refusal.RateLimited> map, K key, Refusal.RateLimited refusal, Instant now) {
            if (size() >= CAPACITY) {
                clients.values().removeIf(x -> !now.isBefore(x.resetAt()));
                subnets.values().removeIf(x -> !now.isBefore(x.resetAt()));
                addresses.values().removeIf(x -> !now.isBefore(x.resetAt()));
                if (size() >= CAPACITY) {
                    clients.clear();
                    subnets.clear();
                    addresses.clear();
                }
            }
            map.merge(key, refusal, RefusalMemory::later);
        }

        int size() {
            return clients.size() + subnets.size() + addresses.size();
        }
    }
}
