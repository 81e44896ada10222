package com.dytallix.adapters.node;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;

/** The ChainNode contract against the set: two endpoints in front of one anvil, as two nodes of one chain. */
class UpstreamSetContractTest extends AnvilContract<UpstreamSet> {
    private TcpProxy first;
    private TcpProxy second;

    @Override
    protected UpstreamSet connect(URI url) {
        first = new TcpProxy(url);
        second = new TcpProxy(url);
        Duration timeout = Duration.ofSeconds(5);
        UpstreamSet set = new UpstreamSet(List.of(new JsonRpcChainNode(first.url(), timeout, 8),
                new JsonRpcChainNode(second.url(), timeout, 8)), Optional.empty(), 5, 10_000, timeout);
        set.checkHealth();
        return set;
    }

    @AfterAll
    void closeProxies() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }
}
