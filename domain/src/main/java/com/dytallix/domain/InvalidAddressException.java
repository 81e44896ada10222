package com.dytallix.domain;

/** Text that is not an Ethereum address, or carries a wrong EIP-55 checksum. */
public final class InvalidAddressException extends IllegalArgumentException {
    public InvalidAddressException(String message) {
        super(message);
    }

    /** A refusal of hostile input, not a bug: no stack trace to capture on every bad request. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
