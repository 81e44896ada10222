package com.dytallix.domain.key;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;

/**
 * A signed transaction ready to send: its raw bytes as 0x-hex, its hash (Keccak-256 of the raw
 * bytes), and what it was built from.
 */
public record SignedTransaction(Address from, UnsignedTransaction transaction, String rawHex, TxHash hash) {
    public long nonce() {
        return transaction.nonce();
    }

    public Fees fees() {
        return transaction.fees();
    }
}
