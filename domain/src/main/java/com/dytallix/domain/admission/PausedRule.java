package com.dytallix.domain.admission;

import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.faucet.PauseState;
import com.dytallix.domain.grant.LedgerWindow;
import com.dytallix.domain.grant.Refusal;

/** A paused faucet pays nobody. */
public final class PausedRule implements AdmissionRule {
    private final FaucetControls controls;

    public PausedRule(FaucetControls controls) {
        this.controls = controls;
    }

    @Override
    public String name() {
        return "paused";
    }

    @Override
    public Verdict decide(Applicant applicant, Wei payout, LedgerWindow ledger) {
        PauseState pause = controls.pauseState();
        return pause.paused() ? Verdict.refuse(new Refusal.Paused(pause.reason().orElse("paused by an operator")))
                : Verdict.ALLOW;
    }
}
