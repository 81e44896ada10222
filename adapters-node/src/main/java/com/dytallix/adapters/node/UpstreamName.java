package com.dytallix.adapters.node;

import java.net.URI;

/**
 * How a node is named in status, logs and metrics: scheme, host and port only. The user info,
 * path and query of an RPC_URL may carry a password or a provider's API key, so they never show.
 */
final class UpstreamName {
    private UpstreamName() {
    }

    static String of(URI url) {
        String host = url.getHost() == null ? "node" : url.getHost();
        return url.getScheme() + "://" + host + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }
}
