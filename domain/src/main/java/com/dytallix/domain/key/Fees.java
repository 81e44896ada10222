package com.dytallix.domain.key;

import com.dytallix.domain.Wei;

/** The fee fields of a transaction: EIP-1559 when the node has a base fee, legacy gas price otherwise. */
public sealed interface Fees {
    record Eip1559(Wei maxFeePerGas, Wei maxPriorityFeePerGas) implements Fees {
    }

    record Legacy(Wei gasPrice) implements Fees {
    }
}
