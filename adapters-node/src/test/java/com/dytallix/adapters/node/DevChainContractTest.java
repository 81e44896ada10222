package com.dytallix.adapters.node;

import com.dytallix.domain.Wei;
import com.dytallix.domain.sync.ChainNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class DevChainContractTest extends ChainNodeContract {
    private final Secp256k1Key rich = Secp256k1Key.generate();
    private DevChain chain;

    @BeforeAll
    void start() {
        chain = DevChain.stopped(DevChain.DEFAULT_BLOCK_TIME);
        chain.fund(rich.address(), Wei.ofDyt("1000"));
    }

    @AfterAll
    void stop() {
        chain.close();
    }

    @Override
    protected ChainNode node() {
        return chain;
    }

    @Override
    protected void mine() {
        chain.mineNow();
    }

    @Override
    protected Secp256k1Key richKey() {
        return rich;
    }

    @Override
    protected long expectedChainId() {
        return DevChain.CHAIN_ID;
    }

    @Override
    protected boolean answersBlockReceipts() {
        return false;
    }
}
