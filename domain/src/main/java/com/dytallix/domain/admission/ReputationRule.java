package com.dytallix.domain.admission;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.LedgerWindow;
import java.math.BigDecimal;

/** Requests from listed ranges (hosting providers, VPNs) get a fraction of the payout rather than a refusal. */
public final class ReputationRule implements AdmissionRule {
    private final ReputationList list;
    private final BigDecimal factor;

    public ReputationRule(ReputationList list, BigDecimal factor) {
        this.list = list;
        this.factor = factor;
    }

    @Override
    public String name() {
        return "reputation";
    }

    @Override
    public Verdict decide(Applicant applicant, Wei payout, LedgerWindow ledger) {
        return list.listed(applicant.ip()) ? new Verdict.Scale(factor) : Verdict.ALLOW;
    }
}
