package com.dytallix.domain.sync;

import java.util.Objects;

/**
 * A block's header as the node reports it: the fields the subscription feed follows the chain with,
 * and the whole header as JSON text (without the transaction list), which a {@code newHeads}
 * subscriber receives unchanged.
 */
public record BlockHeader(long number, String hash, String parentHash, String json) {
    public BlockHeader {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(parentHash, "parentHash");
        Objects.requireNonNull(json, "json");
    }
}
