package com.dytallix.domain.admission;

import java.time.Instant;
import java.util.Optional;

/** Issued proof-of-work challenges, shared by every instance. */
public interface ChallengeStore {
    /** Stores a new challenge; challenges that expired before {@code now} may be forgotten. */
    void issue(Challenge challenge, Instant now);

    /** Removes the challenge and returns it, atomically: of two takers only one gets it. */
    Optional<Challenge> take(String id);

    /**
     * True while the store may hold a challenge that has not expired and whose id does not prove its
     * origin ({@link ChallengeIds}): one issued by the previous version of the server during a
     * rolling deployment. Until none is left, an id that fails the proof is still looked up. Cheap
     * (no database work on most calls).
     */
    boolean mayHoldUnprovenIds(Instant now);
}
