package com.dytallix.domain.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SyncLagEstimatorTest {
    private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void learnsTheMedianBlockTime() {
        SyncLagEstimator e = new SyncLagEstimator(Optional.empty());
        assertThat(e.blockTime(List.of(Duration.ofSeconds(2), Duration.ofSeconds(12), Duration.ofSeconds(2)))).isEqualTo(Duration.ofSeconds(2));
        assertThat(e.blockTime(List.of())).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void configuredBlockTimeWins() {
        SyncLagEstimator e = new SyncLagEstimator(Optional.of(Duration.ofSeconds(5)));
        assertThat(e.blockTime(List.of(Duration.ofSeconds(2)))).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aFreshHeadHasNoLag() {
        SyncLagEstimator e = new SyncLagEstimator(Optional.empty());
        assertThat(e.lag(Optional.empty(), now.minusSeconds(1), now, Duration.ofSeconds(1))).isZero();
        // up to twice the block time is normal jitter
        assertThat(e.lag(Optional.empty(), now.minusSeconds(2), now, Duration.ofSeconds(1))).isZero();
    }

    @Test
    void aStalledHeadCountsTheBlocksThatShouldHaveComeSince() {
        SyncLagEstimator e = new SyncLagEstimator(Optional.empty());
        assertThat(e.lag(Optional.empty(), now.minusSeconds(30), now, Duration.ofSeconds(2))).isEqualTo(15);
    }

    @Test
    void syncingReportWinsWhenLarger() {
        SyncLagEstimator e = new SyncLagEstimator(Optional.empty());
        assertThat(e.lag(Optional.of(new SyncProgress(100, 250)), now.minusSeconds(30), now, Duration.ofSeconds(2))).isEqualTo(150);
    }
}
