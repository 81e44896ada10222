package com.dytallix.domain.admission;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.LedgerWindow;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.grant.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * At most {@code limit} grants per client, subnet or address in a rolling day. Grants that failed
 * do not count.
 */
public final class QuotaRule implements AdmissionRule {
    public static final Duration WINDOW = Duration.ofHours(24);

    private final LimitScope scope;
    private final int limit;
    private final Counted counted;

    private QuotaRule(LimitScope scope, int limit, Counted counted) {
        if (limit < 0) {
            throw new IllegalArgumentException("a quota must not be negative");
        }
        this.scope = scope;
        this.limit = limit;
        this.counted = counted;
    }

    /** Per client IP (IPv6: per prefix). */
    public static QuotaRule perClient(int limit) {
        return new QuotaRule(LimitScope.IP, limit, (w, a, nth) -> w.nthNewestGrantByClient(a.client(), a.now().minus(WINDOW), nth));
    }

    /** Per /24 (IPv4) or /48 (IPv6). */
    public static QuotaRule perSubnet(int limit) {
        return new QuotaRule(LimitScope.SUBNET, limit, (w, a, nth) -> w.nthNewestGrantBySubnet(a.subnet(), a.now().minus(WINDOW), nth));
    }

    public static QuotaRule perAddress(int limit) {
        return new QuotaRule(LimitScope.ADDRESS, limit, (w, a, nth) -> w.nthNewestGrantByAddress(a.address(), a.now().minus(WINDOW), nth));
    }

    @Override
    public String name() {
        return scope.wireName();
    }

    @Override
    public boolean readsLedger() {
        return true;
    }

    /** Refused at the limit; it reopens when the grant whose leaving brings the count below it leaves the window. */
    @Override
    public Verdict decide(Applicant applicant, Wei payout, LedgerWindow ledger) {
        if (limit == 0) {
            // A limit of zero never opens; the earliest honest answer is one window from now.
            return Verdict.refuse(new Refusal.RateLimited(scope, applicant.now().plus(WINDOW)));
        }
        // the limit-th newest grant: while it is in the window the quota is full, and its leaving reopens it
        Optional<Instant> limitTh = counted.nthNewest(ledger, applicant, limit);
        return limitTh.<Verdict>map(at -> Verdict.refuse(new Refusal.RateLimited(scope, at.plus(WINDOW))))
                .orElse(Verdict.ALLOW);
    }

    /** The time of the {@code nth} newest counting grant in the window, if there are that many. */
    @FunctionalInterface
    private interface Counted {
        Optional<Instant> nthNewest(LedgerWindow ledger, Applicant applicant, int nth);
    }
}
