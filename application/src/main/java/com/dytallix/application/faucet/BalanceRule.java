package com.dytallix.application.faucet;

import com.dytallix.application.status.StatusService;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.AdmissionRule;
import com.dytallix.domain.admission.Applicant;
import com.dytallix.domain.admission.Verdict;
import com.dytallix.domain.grant.LedgerWindow;
import com.dytallix.domain.grant.Refusal;
import java.time.Instant;
import java.util.Optional;

/** The faucet pays only while its balance stays above FAUCET_MIN_BALANCE after the payout. */
public final class BalanceRule implements AdmissionRule {
    private final StatusService status;
    private final Payer payer;
    private final Wei minBalance;

    public BalanceRule(StatusService status, Payer payer, Wei minBalance) {
        this.status = status;
        this.payer = payer;
        this.minBalance = minBalance;
    }

    @Override
    public String name() {
        return "balance";
    }

    @Override
    public Verdict decide(Applicant applicant, Wei payout, LedgerWindow ledger) {
        Wei required = minBalance.plus(payout);
        var snapshot = status.current();
        Optional<Wei> balance = snapshot.faucetBalance();
        Optional<Instant> exhausted = payer.fundsExhaustedAt();
        if (exhausted.isPresent()) {
            // A send failed for lack of funds: refuse until a balance read after that shows enough.
            boolean readSince = snapshot.nodeObservedAt().filter(at -> at.isAfter(exhausted.get())).isPresent();
            if (!readSince || balance.filter(b -> !b.isLessThan(required)).isEmpty()) {
                return Verdict.refuse(new Refusal.InsufficientBalance());
            }
            payer.fundsRestored();
        }
        // Unknown balance (node not seen yet): let the node decide when the transaction is sent.
        boolean enough = balance.map(b -> !b.isLessThan(required)).orElse(true);
        return enough ? Verdict.ALLOW : Verdict.refuse(new Refusal.InsufficientBalance());
    }
}
