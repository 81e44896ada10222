package com.dytallix.domain.key;

/** Key material that is not a valid secp256k1 private key. The message never contains the key. */
public final class InvalidKeyException extends IllegalArgumentException {
    public InvalidKeyException(String message) {
        super(message);
    }
}
