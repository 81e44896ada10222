package com.dytallix.adapters.node;

import com.dytallix.domain.sync.ChainNode;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The ChainNode contract against a real anvil that mines only when asked: one start-up for the
 * contract runs that differ only in what stands between the test and the node.
 */
abstract class AnvilContract<N extends ChainNode & AutoCloseable> extends ChainNodeContract {
    private final Secp256k1Key rich = Secp256k1Key.fromHex(AnvilProcess.ACCOUNT_0_KEY);
    private AnvilProcess anvil;
    private N node;

    /** The node under test, in front of the anvil at {@code url}. */
    protected abstract N connect(URI url);

    @BeforeAll
    void start() {
        anvil = AnvilProcess.withoutMining();
        node = connect(anvil.rpcUrl());
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            if (anvil != null) {
                anvil.close();
            }
        }
    }

    @Override
    protected ChainNode node() {
        return node;
    }

    @Override
    protected void mine() {
        anvil.mine();
    }

    @Override
    protected Secp256k1Key richKey() {
        return rich;
    }

    @Override
    protected long expectedChainId() {
        return AnvilProcess.CHAIN_ID;
    }
}
