package com.dytallix.adapters.node;

import com.dytallix.domain.sync.ChainReads;
import com.dytallix.domain.sync.ExpectedChain;
import java.util.Optional;

/** The start-up check of the chain-id rule ({@link ExpectedChain}) against the node. */
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
    public static long verify(ChainReads node, Optional<Long> configuredChainId) {
        long actual = node.chainId();
        new ExpectedChain(configuredChainId).mismatch(actual).ifPresent(why -> {
            throw new ChainIdMismatchException(why);
        });
        return actual;
    }

    public static final class ChainIdMismatchException extends IllegalStateException {
        ChainIdMismatchException(String why) {
            super(why);
        }
    }
}
