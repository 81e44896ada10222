package com.dytallix.domain.admission;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * The proof of work a grant needs: scrypt with {@code n}, {@code r}, {@code p} whose output has at
 * least the difficulty's leading zero bits. {@code difficulty} 0 turns it off. Under outflow
 * pressure the difficulty rises by up to {@link #MAX_RISE} bits.
 *
 * @param ttl how long a challenge may be answered
 */
public record ProofOfWorkPolicy(int difficulty, int n, int r, int p, Duration ttl) {
    public static final int MAX_RISE = 8;

    public ProofOfWorkPolicy {
        if (difficulty < 0 || difficulty > 64) {
            throw new IllegalArgumentException("difficulty must be between 0 and 64 bits");
        }
        if (n < 2 || Integer.bitCount(n) != 1 || r < 1 || p < 1) {
            throw new IllegalArgumentException("scrypt needs N a power of two above 1, r and p at least 1");
        }
    }

    public boolean on() {
        return difficulty > 0;
    }

    /** @param pressure the outflow budget's debt, 0 (none) to 1 (at its limit) */
    public int difficultyAt(BigDecimal pressure) {
        if (!on()) {
            return 0;
        }
        return difficulty + pressure.multiply(BigDecimal.valueOf(MAX_RISE)).setScale(0, RoundingMode.HALF_UP).intValue();
    }
}
