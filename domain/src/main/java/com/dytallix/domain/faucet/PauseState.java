package com.dytallix.domain.faucet;

import java.time.Instant;
import java.util.Optional;

/**
 * Whether the faucet pays, and if not why and since when.
 *
 * @param chainReset the chain reset that pauses it, when one does (then {@code reason} says it too, after an
 *                   operator's own reason if the operator paused it as well); what tells a reset apart, never the text
 */
public record PauseState(boolean paused, Optional<String> reason, Optional<Instant> since, Optional<ChainReset> chainReset) {
    public static final PauseState RUNNING = new PauseState(false, Optional.empty(), Optional.empty());

    /** A pause (or none) of the operator's: no chain reset in it. */
    public PauseState(boolean paused, Optional<String> reason, Optional<Instant> since) {
        this(paused, reason, since, Optional.empty());
    }
}
