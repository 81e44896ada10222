package com.dytallix.domain.key;

import com.dytallix.domain.Address;

/** A secp256k1 key the faucet pays from. The private key never leaves the implementation. */
public interface SigningKey {
    Address address();

    SignedTransaction sign(UnsignedTransaction transaction);
}
