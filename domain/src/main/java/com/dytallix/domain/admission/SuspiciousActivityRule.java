package com.dytallix.domain.admission;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.LedgerWindow;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.grant.Refusal;
import java.time.Duration;

/**
 * More distinct addresses than {@code perHour} from one client in an hour is refused. Read inside
 * the reservation step, with the grants other requests reserved a moment ago, so parallel requests
 * cannot all slip under the limit.
 */
public final class SuspiciousActivityRule implements AdmissionRule {
    public static final Duration WINDOW = Duration.ofHours(1);

    private final int perHour;

    public SuspiciousActivityRule(int perHour) {
        this.perHour = perHour;
    }

    @Override
    public String name() {
        return "suspicious";
    }

    @Override
    public boolean readsLedger() {
        return true;
    }

    @Override
    public Verdict decide(Applicant applicant, Wei payout, LedgerWindow ledger) {
        LedgerWindow.AddressSpread spread = ledger.addressesFrom(applicant.client(), applicant.now().minus(WINDOW));
        // this request's address counts too, whether or not it was seen before (conservative)
        if (spread.distinctAddresses() + 1 <= perHour) {
            return Verdict.ALLOW;
        }
        return Verdict.refuse(new Refusal.RateLimited(LimitScope.SUSPICIOUS,
                spread.oldest().orElse(applicant.now()).plus(WINDOW)));
    }
}
