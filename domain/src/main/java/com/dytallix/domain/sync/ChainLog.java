package com.dytallix.domain.sync;

import java.util.List;
import java.util.Objects;

/**
 * One event log of a mined transaction. Hex fields are lower-case with 0x, as nodes report them;
 * {@code removed} marks a log whose block left the canonical chain.
 */
public record ChainLog(String address, List<String> topics, String data, long blockNumber, String blockHash,
                       String transactionHash, long transactionIndex, long logIndex, boolean removed) {
    public ChainLog {
        Objects.requireNonNull(address, "address");
        topics = List.copyOf(topics);
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(blockHash, "blockHash");
        Objects.requireNonNull(transactionHash, "transactionHash");
    }

    /** The same log, announced again because its block was replaced by a reorganisation. */
    public ChainLog asRemoved() {
        return new ChainLog(address, topics, data, blockNumber, blockHash, transactionHash, transactionIndex, logIndex, true);
    }
}
