package com.dytallix.domain;

/** Text that is not an Ethereum address, or carries a wrong EIP-55 checksum. */
public final class InvalidAddressException extends IllegalArgumentException {
    public InvalidAddressException(String message) {
        super(message);
    }
}
