package com.dytallix.domain.admission;

import com.dytallix.domain.grant.Refusal;
import java.math.BigDecimal;

/** What one admission rule says about a request. */
public sealed interface Verdict {
    Verdict ALLOW = new Allow();

    record Allow() implements Verdict {
    }

    record Refuse(Refusal refusal) implements Verdict {
    }

    /** Pay {@code factor} (in (0, 1]) of the payout so far. */
    record Scale(BigDecimal factor) implements Verdict {
    }

    static Verdict refuse(Refusal refusal) {
        return new Refuse(refusal);
    }
}
