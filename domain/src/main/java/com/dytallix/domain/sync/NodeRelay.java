package com.dytallix.domain.sync;

/** The relay's pass-through: a client's JSON-RPC call, forwarded as it came. */
public interface NodeRelay {
    /**
     * A relayed JSON-RPC call: {@code paramsJson} is one JSON array or object the caller parsed whole; the answer
     * is the node's {@code result} as the node wrote it, its UTF-8 bytes. A node error object becomes
     * {@link NodeFailure#RPC_ERROR}.
     */
    RawJson call(String method, String paramsJson);

    /**
     * The same calls, all answered by the node with the best head at this moment (no failover to
     * another), for a sequence of reads that must see one chain. A single node is its own.
     */
    default NodeRelay freshest() {
        return this;
    }
}
