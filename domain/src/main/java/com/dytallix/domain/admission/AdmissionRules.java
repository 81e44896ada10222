package com.dytallix.domain.admission;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Decision;
import com.dytallix.domain.grant.Factor;
import com.dytallix.domain.grant.LedgerAdmission;
import com.dytallix.domain.grant.LedgerWindow;
import com.dytallix.domain.grant.OutflowPolicy;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * The faucet's admission rules in the order they run. The rules before the first one that reads
 * the ledger run at the door ({@link #atDoor}); the rest run inside the ledger's atomic
 * reservation step ({@link #inLedger}). Each scaling rule multiplies the payout and is recorded as
 * a {@link Factor}.
 */
public final class AdmissionRules {
    private final List<AdmissionRule> door;
    private final List<AdmissionRule> ledger;
    private final Wei drip;
    private final OutflowPolicy outflow;

    public AdmissionRules(List<AdmissionRule> rules, Wei drip, OutflowPolicy outflow) {
        int split = 0;
        while (split < rules.size() && !rules.get(split).readsLedger()) {
            split++;
        }
        this.door = List.copyOf(rules.subList(0, split));
        this.ledger = List.copyOf(rules.subList(split, rules.size()));
        this.drip = drip;
        this.outflow = outflow;
    }

    /** The rules that need no ledger, on the full drip. */
    public Decision atDoor(Applicant applicant) {
        return run(door, applicant, Decision.start(drip), null);
    }

    /** The rest of the rules, continuing from the door's decision, for {@code GrantLedger.reserve}. */
    public LedgerAdmission inLedger(Applicant applicant, Decision door) {
        return new LedgerAdmission() {
            @Override
            public OutflowPolicy outflow() {
                return outflow;
            }

            @Override
            public Decision decide(LedgerWindow window) {
                return run(ledger, applicant, door, window);
            }
        };
    }

    private static Decision run(List<AdmissionRule> rules, Applicant applicant, Decision start, LedgerWindow window) {
        Decision d = start;
        for (AdmissionRule rule : rules) {
            Verdict verdict = rule.decide(applicant, d.payout(), window);
            switch (verdict) {
                case Verdict.Allow ignored -> {
                }
                case Verdict.Refuse r -> {
                    return d.refuse(r.refusal());
                }
                case Verdict.Scale s -> d = scaled(d, rule.name(), s.factor());
            }
        }
        return d;
    }

    private static Decision scaled(Decision d, String rule, BigDecimal factor) {
        if (factor.compareTo(BigDecimal.ONE) >= 0) {
            return d;
        }
        List<Factor> factors = new ArrayList<>(d.factors());
        factors.add(new Factor(rule, factor));
        BigInteger paid = new BigDecimal(d.payout().value()).multiply(factor).setScale(0, RoundingMode.DOWN).toBigIntegerExact();
        return new Decision(new Wei(paid), factors, d.refusal());
    }
}
