package com.dytallix.domain.grant;

import com.dytallix.domain.Wei;
import java.util.List;
import java.util.Optional;

/**
 * Where the admission rules stand on one request: the payout so far with the factors that scaled
 * it, or the refusal that ended it.
 */
public record Decision(Wei payout, List<Factor> factors, Optional<Refusal> refusal) {
    public Decision {
        factors = List.copyOf(factors);
    }

    public static Decision start(Wei drip) {
        return new Decision(drip, List.of(), Optional.empty());
    }

    public boolean refused() {
        return refusal.isPresent();
    }

    public Decision refuse(Refusal why) {
        return new Decision(payout, factors, Optional.of(why));
    }
}
