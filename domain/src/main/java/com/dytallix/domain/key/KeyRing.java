package com.dytallix.domain.key;

import com.dytallix.domain.Address;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The faucet's keys: the active one signs every new grant; keys rotated away from are kept, across
 * restarts, until their last transaction is final, so that their transactions can still be
 * replaced (and their balance drained).
 */
public interface KeyRing {
    SigningKey active();

    /** A key known by address: the active one or one still retiring. */
    Optional<SigningKey> byAddress(Address address);

    /**
     * Validates and persists {@code newKeyHex} (64 hex digits, with or without 0x) so it survives a
     * restart, then makes it the active key. The previous key is kept as retiring (persisted too),
     * with a drain to the new address when {@code drain} is set.
     *
     * @throws InvalidKeyException when it is not a valid secp256k1 private key
     */
    KeyRotation rotate(String newKeyHex, boolean drain, Instant at);

    /** Keys rotated away from and still kept. */
    List<RetiringKey> retiring();

    /** The drain asked for this retiring key is done (or has nothing to move): the request is forgotten. */
    void drained(Address address);

    /** Forgets a retiring key for good, once its last transaction is final. The active key is never forgotten. */
    void retire(Address address);
}
