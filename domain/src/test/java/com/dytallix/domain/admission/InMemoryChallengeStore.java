package com.dytallix.domain.admission;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** A {@link ChallengeStore} in memory for tests. */
public final class InMemoryChallengeStore implements ChallengeStore {
    private final Map<String, Challenge> challenges = new HashMap<>();

    @Override
    public synchronized void issue(Challenge challenge, Instant now) {
        challenges.values().removeIf(c -> c.expiresAt().isBefore(now));
        challenges.put(challenge.id(), challenge);
    }

    @Override
    public synchronized Optional<Challenge> take(String id) {
        return Optional.ofNullable(challenges.remove(id));
    }

    public synchronized int size() {
        return challenges.size();
    }
}
