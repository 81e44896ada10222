package com.dytallix.adapters.node;

import com.dytallix.domain.sync.ChainNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The ChainNode contract against a real node: JsonRpcChainNode talking to anvil. */
class AnvilChainNodeContractTest extends ChainNodeContract {
    private final Secp256k1Key rich = Secp256k1Key.fromHex(AnvilProcess.ACCOUNT_0_KEY);
    private AnvilProcess anvil;
    private JsonRpcChainNode node;

    @BeforeAll
    void start() {
        anvil = AnvilProcess.withoutMining();
        node = new JsonRpcChainNode(anvil.rpcUrl(), Duration.ofSeconds(5), 8);
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
        if (anvil != null) {
            anvil.close();
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
