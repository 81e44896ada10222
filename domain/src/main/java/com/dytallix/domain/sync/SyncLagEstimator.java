package com.dytallix.domain.sync;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The sync-lag rule: the larger of what {@code eth_syncing} says is missing and, when the head
 * has not moved for more than twice the expected block time, the blocks that should have been
 * produced since (head age / block time).
 */
public final class SyncLagEstimator {
    private static final Duration FALLBACK_BLOCK_TIME = Duration.ofSeconds(1);

    private final Optional<Duration> configuredBlockTime;

    public SyncLagEstimator(Optional<Duration> configuredBlockTime) {
        this.configuredBlockTime = configuredBlockTime.filter(d -> !d.isZero() && !d.isNegative());
    }

    /** BLOCK_TIME_MS when set, else the median of the recent intervals (zero intervals ignored). */
    public Duration blockTime(List<Duration> recentIntervals) {
        if (configuredBlockTime.isPresent()) {
            return configuredBlockTime.get();
        }
        List<Duration> positive = new ArrayList<>(recentIntervals.stream().filter(d -> !d.isZero() && !d.isNegative()).toList());
        if (positive.isEmpty()) {
            return FALLBACK_BLOCK_TIME;
        }
        positive.sort(null);
        int n = positive.size();
        return n % 2 == 1 ? positive.get(n / 2) : positive.get(n / 2 - 1).plus(positive.get(n / 2)).dividedBy(2);
    }

    public long lag(Optional<SyncProgress> syncing, Instant headTimestamp, Instant now, Duration blockTime) {
        long behind = syncing.map(SyncProgress::behind).orElse(0L);
        return Math.max(behind, stalledBlocks(headAge(headTimestamp, now), blockTime));
    }

    /** The stalled-head rule alone: blocks that should have come since, once the head is older than two block times. */
    public static long stalledBlocks(Duration headAge, Duration blockTime) {
        return headAge.compareTo(blockTime.multipliedBy(2)) > 0 ? headAge.toMillis() / Math.max(1, blockTime.toMillis()) : 0;
    }

    public static Duration headAge(Instant headTimestamp, Instant now) {
        Duration age = Duration.between(headTimestamp, now);
        return age.isNegative() ? Duration.ZERO : age;
    }
}
