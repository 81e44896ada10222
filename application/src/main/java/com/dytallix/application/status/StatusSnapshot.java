package com.dytallix.application.status;

import com.dytallix.domain.Address;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.PauseState;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What /api/status shows, as of the last background refresh. Node values keep their last known
 * state while the node is unreachable; {@code nodeObservedAt} says how old they are.
 *
 * @param chainIdVerified the node answered with the expected chain id at the last refresh
 */
public record StatusSnapshot(
        NodeHealth nodeHealth,
        Optional<Long> chainId,
        boolean chainIdVerified,
        Optional<Long> height,
        long syncLag,
        Optional<Duration> headAge,
        boolean syncing,
        Optional<Duration> blockTime,
        Address faucetAddress,
        Optional<Wei> faucetBalance,
        PauseState pause,
        long mempoolBacklog,
        Optional<Instant> nodeObservedAt,
        Optional<String> lastError,
        Instant refreshedAt) {

    /** How old the node values are, at {@code now}. */
    public Optional<Duration> nodeDataAge(Instant now) {
        return nodeObservedAt.map(at -> Duration.between(at, now));
    }
}
