package com.dytallix.domain.sync;

import com.dytallix.domain.TxHash;

/** A mined transaction: status true = success (1), false = reverted (0); {@code blockHash} names the block that holds it. */
public record Receipt(TxHash hash, long blockNumber, String blockHash, boolean success) {
}
