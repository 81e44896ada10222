package com.dytallix.domain.key;

import com.dytallix.domain.Address;
import java.time.Instant;
import java.util.Optional;

/**
 * The faucet's keys: the active one signs every new grant; earlier ones stay available while this
 * process runs so that their transactions can still be replaced.
 */
public interface KeyRing {
    SigningKey active();

    /** A key this process knows by address (the active one or one rotated away from). */
    Optional<SigningKey> byAddress(Address address);

    /**
     * Validates and persists {@code newKeyHex} (64 hex digits, with or without 0x) so it survives a
     * restart, then makes it the active key.
     *
     * @throws InvalidKeyException when it is not a valid secp256k1 private key
     */
    KeyRotation rotate(String newKeyHex, Instant at);
}
