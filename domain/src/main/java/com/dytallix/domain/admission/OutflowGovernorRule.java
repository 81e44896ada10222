package com.dytallix.domain.admission;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.LedgerWindow;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.grant.OutflowPolicy;
import com.dytallix.domain.grant.Refusal;
import java.math.BigInteger;

/**
 * Scales the payout down as the outflow budget runs into debt, and refuses (as the daily cap) at
 * its debt limit, so a rush slows the outflow smoothly instead of emptying the day's cap at once.
 */
public final class OutflowGovernorRule implements AdmissionRule {
    private final OutflowPolicy outflow;

    public OutflowGovernorRule(OutflowPolicy outflow) {
        this.outflow = outflow;
    }

    @Override
    public String name() {
        return "governor";
    }

    @Override
    public boolean readsLedger() {
        return true;
    }

    @Override
    public Verdict decide(Applicant applicant, Wei payout, LedgerWindow ledger) {
        BigInteger budget = ledger.budget();
        if (outflow.exhausted(budget)) {
            return Verdict.refuse(new Refusal.RateLimited(LimitScope.DAILY_CAP, outflow.reopensAt(budget, applicant.now())));
        }
        return new Verdict.Scale(outflow.factor(budget));
    }
}
