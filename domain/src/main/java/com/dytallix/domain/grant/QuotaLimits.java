package com.dytallix.domain.grant;

import com.dytallix.domain.Wei;
import java.time.Duration;

/**
 * Rolling-window limits checked and reserved atomically with a new grant. Grants that failed do
 * not count.
 */
public record QuotaLimits(int perIp, int perAddress, Wei dailyCap, Duration window) {
    public static final Duration DAY = Duration.ofHours(24);

    public QuotaLimits {
        if (perIp < 0 || perAddress < 0) {
            throw new IllegalArgumentException("quota limits must not be negative");
        }
    }
}
