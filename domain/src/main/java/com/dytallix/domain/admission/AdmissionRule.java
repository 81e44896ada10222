package com.dytallix.domain.admission;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.LedgerWindow;

/**
 * One named faucet admission rule: it allows a request, refuses it, or scales its payout. The rules
 * run in the order {@link AdmissionRules} holds them; the first refusal ends the run.
 */
public interface AdmissionRule {
    /** The rule's name, as recorded in a grant's factors. */
    String name();

    /**
     * True when the rule reads the ledger: from the first such rule on, every rule runs inside the
     * ledger's atomic reservation step, so that what it read cannot change before the grant is
     * recorded. Rules before it run at the door, outside any transaction.
     */
    default boolean readsLedger() {
        return false;
    }

    /**
     * @param payout the payout so far (the drip as scaled by the rules before this one)
     * @param ledger the ledger as the reservation step sees it; only for rules that {@link #readsLedger()}
     */
    Verdict decide(Applicant applicant, Wei payout, LedgerWindow ledger);
}
