package com.dytallix.domain.sync;

import com.dytallix.domain.TxHash;

/** A mined transaction: status true = success (1), false = reverted (0). */
public record Receipt(TxHash hash, long blockNumber, boolean success) {
}
