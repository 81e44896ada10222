package com.dytallix.domain.key;

import com.dytallix.domain.Address;
import com.dytallix.domain.Wei;

/** A plain value transfer to be signed. */
public record UnsignedTransaction(long chainId, long nonce, Address to, Wei value, long gasLimit, Fees fees) {
    /** Gas of a plain transfer to an account without code. */
    public static final long TRANSFER_GAS = 21_000;
}
