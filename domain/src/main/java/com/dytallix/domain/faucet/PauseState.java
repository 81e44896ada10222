package com.dytallix.domain.faucet;

import java.time.Instant;
import java.util.Optional;

/**
 * Whether the faucet pays, and if not why and since when.
 *
 * @param reason         everything that pauses it, in words: an operator's reason, a chain reset's, or both (the
 *                       operator's first)
 * @param chainReset     the chain reset that pauses it, when one does (then {@code reason} says it too, after an
 *                       operator's own reason if the operator paused it as well); what tells a reset apart, never the text
 * @param operatorReason the operator's own reason when an operator paused it and gave one, exactly as given: a client
 *                       shows it without taking {@code reason} apart
 */
public record PauseState(boolean paused, Optional<String> reason, Optional<Instant> since, Optional<ChainReset> chainReset,
                         Optional<String> operatorReason) {
    public static final PauseState RUNNING = new PauseState(false, Optional.empty(), Optional.empty());

    /** A pause (or none) of the operator's: no chain reset in it, and its reason the operator's. */
    public PauseState(boolean paused, Optional<String> reason, Optional<Instant> since) {
        this(paused, reason, since, Optional.empty(), paused ? reason : Optional.empty());
    }
}
