package com.dytallix.domain.admission;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.LedgerWindow;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.grant.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

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
        return new QuotaRule(LimitScope.IP, limit, (w, a, most) -> w.grantTimesByClient(a.client(), a.now().minus(WINDOW), most));
    }

    /** Per /24 (IPv4) or /48 (IPv6). */
    public static QuotaRule perSubnet(int limit) {
        return new QuotaRule(LimitScope.SUBNET, limit, (w, a, most) -> w.grantTimesBySubnet(a.subnet(), a.now().minus(WINDOW), most));
    }

    public static QuotaRule perAddress(int limit) {
        return new QuotaRule(LimitScope.ADDRESS, limit, (w, a, most) -> w.grantTimesByAddress(a.address(), a.now().minus(WINDOW), most));
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
        // the newest `limit` grants: at the limit, the oldest of them is the one whose leaving reopens the quota
        List<Instant> times = counted.newest(ledger, applicant, limit);
        if (times.size() < limit) {
            return Verdict.ALLOW;
        }
        // A limit of zero never opens; the earliest honest answer is one window from now.
        Instant reset = limit == 0 ? applicant.now().plus(WINDOW) : times.get(times.size() - limit).plus(WINDOW);
        return Verdict.refuse(new Refusal.RateLimited(scope, reset));
    }

    /** The newest {@code most} counting grants' times in the window, oldest first. */
    @FunctionalInterface
    private interface Counted {
        List<Instant> newest(LedgerWindow ledger, Applicant applicant, int most);
    }
}
