package com.dytallix.domain.key;

import java.util.Optional;

/** Where rotations are recorded (addresses and times only, never key material). */
public interface KeyRotationLog {
    void record(KeyRotation rotation);

    Optional<KeyRotation> last();
}
