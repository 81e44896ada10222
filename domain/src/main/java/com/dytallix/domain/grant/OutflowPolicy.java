package com.dytallix.domain.grant;

import com.dytallix.domain.Wei;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * The outflow budget: refilled continuously at {@code perDay}, kept up to {@code buffer}, drawn by
 * every grant. It may run into debt down to the debt limit (the buffer again); while in debt the
 * payout shrinks linearly from the full drip toward {@code minFraction} of it, and at the debt
 * limit the faucet refuses until the refill brings the budget back above it.
 */
public record OutflowPolicy(Wei perDay, Wei buffer, BigDecimal minFraction) {
    private static final long DAY_MILLIS = Duration.ofDays(1).toMillis();
    private static final int FACTOR_SCALE = 4;

    public OutflowPolicy {
        if (minFraction.signum() <= 0 || minFraction.compareTo(BigDecimal.ONE) > 0) {
            throw new IllegalArgumentException("the minimum drip fraction must be in (0, 1]");
        }
    }

    /** The budget a new ledger starts with: full. */
    public BigInteger initial() {
        return buffer.value();
    }

    /** The budget at {@code now}, given the level stored at {@code storedAt}. */
    public BigInteger refill(BigInteger stored, Instant storedAt, Instant now) {
        long elapsed = Math.max(0, Duration.between(storedAt, now).toMillis());
        BigInteger refilled = stored.add(perDay.value().multiply(BigInteger.valueOf(elapsed)).divide(BigInteger.valueOf(DAY_MILLIS)));
        return refilled.min(buffer.value());
    }

    public BigInteger debtLimit() {
        return buffer.value();
    }

    /** How deep into debt the budget is, from 0 (no debt) to 1 (at the debt limit or beyond). */
    public BigDecimal pressure(BigInteger level) {
        if (level.signum() >= 0) {
            return BigDecimal.ZERO;
        }
        if (debtLimit().signum() == 0) {
            return BigDecimal.ONE;
        }
        BigDecimal p = new BigDecimal(level.negate()).divide(new BigDecimal(debtLimit()), FACTOR_SCALE, RoundingMode.UP);
        return p.min(BigDecimal.ONE);
    }

    /** True when nothing may be paid at this level. */
    public boolean exhausted(BigInteger level) {
        return level.signum() < 0 && level.negate().compareTo(debtLimit()) >= 0;
    }

    /** The payout factor at this level: 1 without debt, falling linearly to {@code minFraction} at the debt limit. */
    public BigDecimal factor(BigInteger level) {
        BigDecimal cut = BigDecimal.ONE.subtract(minFraction).multiply(pressure(level));
        return BigDecimal.ONE.subtract(cut).setScale(FACTOR_SCALE, RoundingMode.DOWN).max(minFraction);
    }

    /** When the budget, now at {@code level}, is back above the debt limit. */
    public Instant reopensAt(BigInteger level, Instant now) {
        BigInteger missing = level.add(debtLimit()).negate().add(BigInteger.ONE);
        if (missing.signum() <= 0) {
            return now;
        }
        if (perDay.value().signum() == 0) {
            return now.plus(Duration.ofDays(1));
        }
        long millis = missing.multiply(BigInteger.valueOf(DAY_MILLIS)).add(perDay.value().subtract(BigInteger.ONE))
                .divide(perDay.value()).min(BigInteger.valueOf(DAY_MILLIS * 365)).longValueExact();
        return now.plusMillis(millis);
    }
}
