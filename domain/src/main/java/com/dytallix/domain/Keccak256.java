package com.dytallix.domain;

/**
 * Keccak-256 as Ethereum uses it (not NIST SHA3-256). The domain needs it for EIP-55 checksums
 * but owns no cryptography: the node adapter supplies the implementation.
 */
@FunctionalInterface
public interface Keccak256 {
    byte[] hash(byte[] input);
}
