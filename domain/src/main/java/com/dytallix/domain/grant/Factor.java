package com.dytallix.domain.grant;

import java.math.BigDecimal;

/** An admission rule that scaled a grant's payout, and by how much (0 < factor < 1). */
public record Factor(String rule, BigDecimal factor) {
    public Factor {
        if (rule == null || rule.isBlank() || rule.contains(":") || rule.contains(",")) {
            throw new IllegalArgumentException("a factor's rule name must be a plain word");
        }
        if (factor.signum() <= 0 || factor.compareTo(BigDecimal.ONE) > 0) {
            throw new IllegalArgumentException("a payout factor must be in (0, 1]");
        }
        factor = factor.stripTrailingZeros();
    }
}
