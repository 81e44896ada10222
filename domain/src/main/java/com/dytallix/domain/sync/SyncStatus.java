package com.dytallix.domain.sync;

import java.time.Duration;
import java.time.Instant;

/**
 * What the server believes about the node at one moment.
 *
 * @param lag        blocks behind, per {@link SyncLagEstimator}
 * @param headAge    now minus the latest block's timestamp
 * @param observedAt when these values were read from the node
 */
public record SyncStatus(long chainId, long height, boolean syncing, long lag, Duration headAge,
                         Duration blockTime, Instant observedAt) {
}
