package com.dytallix.domain.key;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** {@link KeyRotationLog} in memory for tests: the latest rotation by time, the last recorded among equals. */
public final class InMemoryKeyRotationLog implements KeyRotationLog {
    private final List<KeyRotation> rotations = new ArrayList<>();

    @Override
    public synchronized void record(KeyRotation rotation) {
        rotations.add(new KeyRotation(rotation.previousAddress(), rotation.newAddress(), millis(rotation.rotatedAt())));
    }

    @Override
    public synchronized Optional<KeyRotation> last() {
        return rotations.stream().sorted(Comparator.comparing(KeyRotation::rotatedAt)).reduce((a, b) -> b);
    }

    private static Instant millis(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }
}
