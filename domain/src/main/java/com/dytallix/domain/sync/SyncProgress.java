package com.dytallix.domain.sync;

/** What {@code eth_syncing} reports while the node catches up. */
public record SyncProgress(long currentBlock, long highestBlock) {
    public long behind() {
        return Math.max(0, highestBlock - currentBlock);
    }
}
