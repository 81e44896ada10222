package com.dytallix.domain.key;

import com.dytallix.domain.Wei;
import java.math.BigInteger;
import java.util.Optional;

/**
 * How the faucet prices its transactions: EIP-1559 when the node reports a base fee (maxFee =
 * 2 x baseFee + tip), else legacy gas price; a replacement raises every fee field by at least
 * 12.5 % (geth needs 10 %, anvil 5 %), never above the ceiling.
 */
public record FeePolicy(Wei ceiling) {
    /** Numerator over 1000: +12.5 %. */
    private static final BigInteger BUMP_PER_MILLE = BigInteger.valueOf(1125);
    private static final BigInteger THOUSAND = BigInteger.valueOf(1000);

    public Fees initial(FeeSuggestion suggestion) {
        if (suggestion.baseFee().isPresent()) {
            Wei tip = suggestion.priorityFee();
            Wei maxFee = suggestion.baseFee().get().times(2).plus(tip);
            return new Fees.Eip1559(cap(maxFee), min(tip, cap(maxFee)));
        }
        return new Fees.Legacy(cap(suggestion.gasPrice()));
    }

    /**
     * Fees for a replacement: each field at least 12.5 % above the previous one (rounded up), and
     * at least what the node suggests now.
     *
     * @return empty when the ceiling does not leave room for a valid replacement
     */
    public Optional<Fees> bump(Fees previous, FeeSuggestion now) {
        Fees fresh = initial(now);
        return switch (previous) {
            case Fees.Eip1559 p -> {
                Wei tip = max(raise(p.maxPriorityFeePerGas()),
                        fresh instanceof Fees.Eip1559 f ? f.maxPriorityFeePerGas() : Wei.ZERO);
                Wei maxFee = max(raise(p.maxFeePerGas()),
                        fresh instanceof Fees.Eip1559 f ? f.maxFeePerGas() : Wei.ZERO);
                maxFee = max(maxFee, tip);
                yield maxFee.compareTo(ceiling) > 0 ? Optional.empty() : Optional.of(new Fees.Eip1559(maxFee, tip));
            }
            case Fees.Legacy p -> {
                Wei price = max(raise(p.gasPrice()), fresh instanceof Fees.Legacy f ? f.gasPrice() : Wei.ZERO);
                yield price.compareTo(ceiling) > 0 ? Optional.empty() : Optional.of(new Fees.Legacy(price));
            }
        };
    }

    /** The most a transaction with these fees can cost in gas. */
    public static Wei maxGasCost(Fees fees, long gasLimit) {
        Wei perGas = switch (fees) {
            case Fees.Eip1559 e -> e.maxFeePerGas();
            case Fees.Legacy l -> l.gasPrice();
        };
        return perGas.times(gasLimit);
    }

    private static Wei raise(Wei fee) {
        BigInteger[] qr = fee.value().multiply(BUMP_PER_MILLE).divideAndRemainder(THOUSAND);
        BigInteger up = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
        // a zero fee raised by a percentage is still zero; nodes want a strictly higher one
        return new Wei(up.max(fee.value().add(BigInteger.ONE)));
    }

    private Wei cap(Wei w) {
        return min(w, ceiling);
    }

    private static Wei min(Wei a, Wei b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Wei max(Wei a, Wei b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
