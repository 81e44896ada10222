package com.dytallix.domain.admission;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A {@link ChallengeStore} in memory for tests; it counts the lookups ({@link #take}) it was asked. */
public final class InMemoryChallengeStore implements ChallengeStore {
    private final Map<String, Challenge> challenges = new HashMap<>();
    /** Ids issued as the previous version of the server would: not from {@link ChallengeIds}. */
    private final Set<String> unproven = new HashSet<>();
    private int lookups;

    @Override
    public synchronized void issue(Challenge challenge, Instant now) {
        challenges.values().removeIf(c -> c.expiresAt().isBefore(now));
        challenges.put(challenge.id(), challenge);
    }

    /** As the previous version did, with an id of its own making (a rolling deployment). */
    public synchronized void issueAsPreviousVersion(Challenge challenge) {
        challenges.put(challenge.id(), challenge);
        unproven.add(challenge.id());
    }

    @Override
    public synchronized Optional<Challenge> take(String id) {
        lookups++;
        unproven.remove(id);
        return Optional.ofNullable(challenges.remove(id));
    }

    @Override
    public synchronized boolean mayHoldUnprovenIds(Instant now) {
        return unproven.stream().map(challenges::get).anyMatch(c -> c != null && now.isBefore(c.expiresAt()));
    }

    public synchronized int size() {
        return challenges.size();
    }

    public synchronized int lookups() {
        return lookups;
    }
}
