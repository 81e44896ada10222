package com.dytallix.application.faucet;

import com.dytallix.application.status.StatusService;
import com.dytallix.domain.admission.AdmissionRules;
import com.dytallix.domain.admission.BlockList;
import com.dytallix.domain.admission.BlockListRule;
import com.dytallix.domain.admission.ChallengeIds;
import com.dytallix.domain.admission.ChallengeStore;
import com.dytallix.domain.admission.DailyCapRule;
import com.dytallix.domain.admission.OutflowGovernorRule;
import com.dytallix.domain.admission.PausedRule;
import com.dytallix.domain.admission.ProofOfWork;
import com.dytallix.domain.admission.ProofOfWorkRule;
import com.dytallix.domain.admission.QuotaRule;
import com.dytallix.domain.admission.ReputationList;
import com.dytallix.domain.admission.ReputationRule;
import com.dytallix.domain.admission.SuspiciousActivityRule;
import com.dytallix.domain.faucet.FaucetControls;
import java.util.List;

/** The faucet's admission rules, in the one order they run. A new rule is one class, its settings and one line here. */
public final class FaucetAdmission {
    private FaucetAdmission() {
    }

    public static AdmissionRules rules(FaucetPolicy policy, BlockList blocks, FaucetControls controls,
                                       ChallengeStore challenges, ChallengeIds challengeIds, ProofOfWork work, ReputationList reputation,
                                       StatusService status, Payer payer) {
        FaucetPolicy.Limits limits = policy.limits();
        return new AdmissionRules(List.of(
                new BlockListRule(blocks),
                new PausedRule(controls),
                new ProofOfWorkRule(policy.proofOfWork(), challenges, challengeIds, work),
                new SuspiciousActivityRule(limits.suspiciousAddressesPerHour()),
                QuotaRule.perClient(limits.perIp()),
                QuotaRule.perSubnet(limits.perSubnet()),
                QuotaRule.perAddress(limits.perAddress()),
                new DailyCapRule(limits.dailyCap()),
                new OutflowGovernorRule(policy.outflow()),
                new ReputationRule(reputation, policy.reputationFactor()),
                new BalanceRule(status, payer, policy.minBalance())),
                policy.dripAmount(), policy.outflow());
    }
}
