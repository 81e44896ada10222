package com.dytallix.application.faucet;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.QuotaLimits;
import com.dytallix.domain.key.FeePolicy;
import java.time.Duration;

/**
 * The faucet's money rules as configured.
 *
 * @param suspiciousAddressesPerHour more distinct addresses than this from one IP in an hour is refused
 * @param replaceAfter               a transaction not mined after this long is re-priced
 * @param confirmWait                how long {@code ?wait=confirmed} waits before answering anyway
 */
public record FaucetPolicy(Wei dripAmount, Wei minBalance, QuotaLimits quotas, int suspiciousAddressesPerHour,
                           FeePolicy fees, Duration replaceAfter, Duration confirmWait) {
    public Wei requiredBalance() {
        return minBalance.plus(dripAmount);
    }
}
