package com.dytallix.adapters.node;

import com.dytallix.domain.sync.ChainNode;
import java.util.Optional;

/** The start-up rule: when CHAIN_ID is configured, the node must report the same chain id. */
public final class ChainIdCheck {
    private ChainIdCheck() {
    }

    /**
     * Reads {@code eth_chainId} and compares it with the configured CHAIN_ID.
     *
     * @return the node's chain id
     * @throws ChainIdMismatchException when CHAIN_ID is set and differs
     * @throws com.dytallix.domain.sync.NodeException when the node cannot be asked
     */
    public static long verify(ChainNode node, Optional<Long> configuredChainId) {
        long actual = node.chainId();
        if (configuredChainId.isPresent() && configuredChainId.get() != actual) {
            throw new ChainIdMismatchException(actual, configuredChainId.get());
        }
        return actual;
    }

    public static final class ChainIdMismatchException extends IllegalStateException {
        ChainIdMismatchException(long actual, long configured) {
            super("node chain id " + actual + " does not match CHAIN_ID " + configured);
        }
    }
}
