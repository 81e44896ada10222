package com.dytallix.application.faucet;

/**
 * When a payment counts as done and how long it is watched afterwards.
 *
 * @param confirmations    a grant is confirmed once its block has this many confirmations (1 = included)
 * @param reorgWatchBlocks grants in the most recent this-many blocks are checked against the canonical chain
 */
public record Finality(int confirmations, int reorgWatchBlocks) {
    public Finality {
        if (confirmations < 1 || reorgWatchBlocks < confirmations) {
            throw new IllegalArgumentException("need 1 <= confirmations <= reorgWatchBlocks");
        }
    }

    /** Confirmations of a block at {@code blockNumber} when the head is {@code head}: 1 when it is the head. */
    public static long confirmations(long head, long blockNumber) {
        return Math.max(0, head - blockNumber + 1);
    }

    public boolean isDeep(long head, long blockNumber) {
        return confirmations(head, blockNumber) >= confirmations;
    }

    /** The lowest block still watched for a reorg. */
    public long watchedFrom(long head) {
        return Math.max(0, head - reorgWatchBlocks + 1);
    }
}
