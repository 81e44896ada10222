package com.dytallix.domain;

/** An amount that is negative, not a number, or finer than 18 decimals. */
public final class InvalidAmountException extends IllegalArgumentException {
    public InvalidAmountException(String message) {
        super(message);
    }
}
