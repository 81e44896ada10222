package com.dytallix.domain;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * The one amount type: an exact, non-negative number of wei. DYT has 18 decimals; conversion
 * is exact both ways and never goes through floating point.
 */
public record Wei(BigInteger value) implements Comparable<Wei> {
    public static final int DECIMALS = 18;
    public static final Wei ZERO = new Wei(BigInteger.ZERO);

    public Wei {
        if (value == null || value.signum() < 0) {
            throw new InvalidAmountException("amount must not be negative");
        }
    }

    public static Wei of(long wei) {
        return new Wei(BigInteger.valueOf(wei));
    }

    /** Decimal wei text as stored in the database. */
    public static Wei parse(String decimalWei) {
        try {
            return new Wei(new BigInteger(decimalWei));
        } catch (NumberFormatException e) {
            throw new InvalidAmountException("amount in wei must be a whole decimal number");
        }
    }

    public static Wei ofDyt(BigDecimal dyt) {
        if (dyt.signum() < 0) {
            throw new InvalidAmountException("amount must not be negative");
        }
        if (dyt.stripTrailingZeros().scale() > DECIMALS) {
            throw new InvalidAmountException("amount has more than 18 decimals");
        }
        return new Wei(dyt.movePointRight(DECIMALS).toBigIntegerExact());
    }

    /** DYT as decimal text, e.g. "10" or "0.5". */
    public static Wei ofDyt(String dyt) {
        BigDecimal parsed;
        try {
            parsed = new BigDecimal(dyt.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new InvalidAmountException("amount must be a decimal number");
        }
        return ofDyt(parsed);
    }

    public BigDecimal toDyt() {
        BigDecimal dyt = new BigDecimal(value).movePointLeft(DECIMALS).stripTrailingZeros();
        return dyt.scale() < 0 ? dyt.setScale(0) : dyt;
    }

    /** Plain decimal DYT text, never in exponent notation. */
    public String toDytString() {
        return toDyt().toPlainString();
    }

    public Wei plus(Wei other) {
        return new Wei(value.add(other.value));
    }

    public Wei minus(Wei other) {
        return new Wei(value.subtract(other.value));
    }

    public Wei times(long factor) {
        return new Wei(value.multiply(BigInteger.valueOf(factor)));
    }

    public boolean isLessThan(Wei other) {
        return compareTo(other) < 0;
    }

    @Override
    public int compareTo(Wei other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
