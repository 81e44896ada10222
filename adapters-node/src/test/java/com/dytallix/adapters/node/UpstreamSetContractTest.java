package com.dytallix.adapters.node;

import com.dytallix.domain.sync.ChainNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The ChainNode contract against the set: two endpoints in front of one anvil, as two nodes of one chain. */
class UpstreamSetContractTest extends ChainNodeContract {
    private final Secp256k1Key rich = Secp256k1Key.fromHex(AnvilProcess.ACCOUNT_0_KEY);
    private AnvilProcess anvil;
    private TcpProxy first;
    private TcpProxy second;
    private UpstreamSet set;

    @BeforeAll
    void start() {
        anvil = AnvilProcess.withoutMining();
        first = new TcpProxy(anvil.rpcUrl());
        second = new TcpProxy(anvil.rpcUrl());
        Duration timeout = Duration.ofSeconds(5);
        set = new UpstreamSet(List.of(new JsonRpcChainNode(first.url(), timeout, 8), new JsonRpcChainNode(second.url(), timeout, 8)),
                Optional.empty(), 5, 10_000, timeout);
        set.checkHealth();
    }

    @AfterAll
    void stop() {
        if (set != null) {
            set.close();
        }
        if (first != null) {
            first.close();
            second.close();
        }
        if (anvil != null) {
            anvil.close();
        }
    }

    @Override
    protected ChainNode node() {
        return set;
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
