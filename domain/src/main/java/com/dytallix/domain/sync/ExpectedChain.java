package com.dytallix.domain.sync;

import java.util.Optional;

/**
 * The chain-id rule, the one place start-up, the status and the node set apply it: with CHAIN_ID
 * configured a node must report exactly that chain id; without, the chain is whatever the node reports.
 */
public record ExpectedChain(Optional<Long> configured) {
    public ExpectedChain {
        configured = configured == null ? Optional.empty() : configured;
    }

    /** Why a node reporting {@code reported} does not serve this chain; empty when it does. */
    public Optional<String> mismatch(long reported) {
        return configured.filter(id -> id != reported).map(id -> "node chain id " + reported + " does not match CHAIN_ID " + id);
    }
}
