package com.dytallix.domain.payer;

/** A write made under a payer lease that is no longer held (taken over, released or expired): nothing was written. */
public final class LeaseLostException extends IllegalStateException {
    public LeaseLostException(Lease lease) {
        super("the payer lease (token " + lease.token() + ") is no longer held by " + lease.holder());
    }
}
