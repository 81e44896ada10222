package com.dytallix.domain.sync;

import java.util.List;
import java.util.Optional;

/**
 * What the subscription feed reads from the node: headers to follow the head with, and the logs of
 * one block. Every method answers or throws {@link NodeException}.
 */
public interface BlockReader {
    BlockHeader latestHeader();

    /** Empty when the node has no block at that height (yet). */
    Optional<BlockHeader> header(long number);

    /** Every log of the block with this hash, in log index order. */
    List<ChainLog> logs(String blockHash);

    /**
     * The same reads, all from the node with the best head at this moment: one step of the feed
     * reads one chain, the newest there is. A single node is its own.
     */
    default BlockReader onFreshestNode() {
        return this;
    }
}
