package com.dytallix.domain.key;

import com.dytallix.domain.Address;
import java.time.Instant;

public record KeyRotation(Address previousAddress, Address newAddress, Instant rotatedAt) {
}
