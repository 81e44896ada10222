package com.dytallix.domain.sync;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.FeeSuggestion;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the chain says now, as the faucet's bookkeeping and the status read it. Every method either
 * answers or throws {@link NodeException} with a classified failure, within the configured deadline.
 */
public interface ChainReads {
    long chainId();

    BlockHead head();

    /** Empty when the node is not syncing. */
    Optional<SyncProgress> syncing();

    /** Intervals between the most recent blocks, newest last, to learn the block time. */
    List<Duration> recentBlockIntervals(int blocks);

    Wei balance(Address address);

    /** {@code eth_getTransactionCount(address, "latest")}: transactions mined. */
    long minedNonce(Address address);

    FeeSuggestion fees();

    Optional<Receipt> receipt(TxHash hash);

    /**
     * The receipts of every transaction in the block at this height ({@code eth_getBlockReceipts}):
     * one call where a receipt per transaction would take many. Empty when the node has no block
     * there, or does not answer this way; then {@link #receipt} per transaction says the same.
     */
    default Optional<List<Receipt>> blockReceipts(long number) {
        return Optional.empty();
    }

    /** The hash of the block at this height (lower-case hex with 0x); empty when the node has no block there (yet). */
    Optional<String> blockHash(long number);

    /**
     * These reads, every one answered by the same node: the one with the best head when this is
     * called. A pass that compares answers with each other (a receipt with a nonce, a stored block
     * hash with the chain's) must not mix a node that is a few blocks behind with one that is not.
     * A read that fails is not retried on another node. One node is its own consistent view.
     */
    default ChainReads consistent() {
        return this;
    }

    /** The nodes behind these reads, for status, readiness and metrics; a single node that keeps no health shows none. */
    default List<UpstreamHealth> upstreams() {
        return List.of();
    }
}
