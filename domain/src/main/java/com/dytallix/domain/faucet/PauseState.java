package com.dytallix.domain.faucet;

import java.time.Instant;
import java.util.Optional;

public record PauseState(boolean paused, Optional<String> reason, Optional<Instant> since) {
    public static final PauseState RUNNING = new PauseState(false, Optional.empty(), Optional.empty());
}
