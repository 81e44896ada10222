package com.dytallix.adapters.node;

import java.net.URI;
import java.time.Duration;

/** The ChainNode contract against a real node: JsonRpcChainNode talking to anvil. */
class AnvilChainNodeContractTest extends AnvilContract<JsonRpcChainNode> {
    @Override
    protected JsonRpcChainNode connect(URI url) {
        return new JsonRpcChainNode(url, Duration.ofSeconds(5), 8);
    }
}
