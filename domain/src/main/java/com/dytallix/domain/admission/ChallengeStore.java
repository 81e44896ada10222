package com.dytallix.domain.admission;

import java.time.Instant;
import java.util.Optional;

/** Issued proof-of-work challenges, shared by every instance. */
public interface ChallengeStore {
    /** Stores a new challenge; challenges that expired before {@code now} may be forgotten. */
    void issue(Challenge challenge, Instant now);

    /** Removes the challenge and returns it, atomically: of two takers only one gets it. */
    Optional<Challenge> take(String id);
}
