package com.dytallix.domain.admission;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.LedgerWindow;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.grant.Refusal;
import java.time.Instant;

/** The hard limit: at most {@code cap} paid out in a rolling day, all recipients together. */
public final class DailyCapRule implements AdmissionRule {
    private final Wei cap;

    public DailyCapRule(Wei cap) {
        this.cap = cap;
    }

    @Override
    public String name() {
        return "daily_cap";
    }

    @Override
    public boolean readsLedger() {
        return true;
    }

    @Override
    public Verdict decide(Applicant applicant, Wei payout, LedgerWindow ledger) {
        Instant since = applicant.now().minus(QuotaRule.WINDOW);
        if (!cap.isLessThan(ledger.paidAtMostSince(since).plus(payout))) {
            return Verdict.ALLOW;
        }
        Wei paid = ledger.paidSince(since);
        if (!cap.isLessThan(paid.plus(payout))) {
            return Verdict.ALLOW;
        }
        // Reopens when enough of the oldest grants have left the window.
        Instant reset = applicant.now().plus(QuotaRule.WINDOW);
        for (LedgerWindow.Payout p : ledger.payoutsSince(since)) {
            paid = paid.minus(p.amount());
            if (!cap.isLessThan(paid.plus(payout))) {
                reset = p.at().plus(QuotaRule.WINDOW);
                break;
            }
        }
        return Verdict.refuse(new Refusal.RateLimited(LimitScope.DAILY_CAP, reset));
    }
}
