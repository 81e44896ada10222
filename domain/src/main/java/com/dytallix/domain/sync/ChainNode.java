package com.dytallix.domain.sync;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.FeeSuggestion;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The EVM node the faucet pays through and the relay forwards to. Every method either answers or
 * throws {@link NodeException} with a classified failure, within the configured deadline.
 */
public interface ChainNode {
    long chainId();

    BlockHead head();

    /** Empty when the node is not syncing. */
    Optional<SyncProgress> syncing();

    /** Intervals between the most recent blocks, newest last, to learn the block time. */
    List<Duration> recentBlockIntervals(int blocks);

    Wei balance(Address address);

    /** {@code eth_getTransactionCount(address, "pending")}. */
    long pendingNonce(Address address);

    /** {@code eth_getTransactionCount(address, "latest")}: transactions mined. */
    long minedNonce(Address address);

    FeeSuggestion fees();

    /**
     * Hands raw signed bytes to the node and returns the hash it reports. "Already known" is not an
     * error: the node has it, so the hash is returned.
     */
    TxHash sendRawTransaction(String rawHex);

    Optional<Receipt> receipt(TxHash hash);

    /**
     * A relayed JSON-RPC call: {@code paramsJson} is a JSON array the caller serialised; the answer
     * is the node's {@code result} as JSON text. A node error object becomes {@link NodeFailure#RPC_ERROR}.
     */
    String call(String method, String paramsJson);
}
