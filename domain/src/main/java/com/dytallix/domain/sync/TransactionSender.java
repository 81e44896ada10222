package com.dytallix.domain.sync;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;

/**
 * Where the faucet hands its signed transactions: the preferred node, whose pending pool is the
 * one that counts for the next nonce. Every method answers or throws {@link NodeException}.
 */
public interface TransactionSender {
    /** {@code eth_getTransactionCount(address, "pending")} on the node the transactions go to. */
    long pendingNonce(Address address);

    /**
     * Hands raw signed bytes to the node and returns the hash it reports. "Already known" is not an
     * error: the node has it, so the hash is returned.
     */
    TxHash sendRawTransaction(String rawHex);
}
