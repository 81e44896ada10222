package com.dytallix.domain.sync;

import java.util.Optional;

/**
 * A classified node failure. For {@link NodeFailure#RPC_ERROR} (and the send classes) the node's
 * own JSON-RPC code, message and data (as JSON text) are kept for logs and the relay.
 */
public final class NodeException extends RuntimeException {
    private final NodeFailure failure;
    private final Integer rpcCode;
    private final String rpcDataJson;
    private final boolean reachedNode;

    public NodeException(NodeFailure failure, String message) {
        this(failure, message, null, null, null);
    }

    public NodeException(NodeFailure failure, String message, Integer rpcCode, String rpcDataJson, Throwable cause) {
        this(failure, message, rpcCode, rpcDataJson, cause, true);
    }

    private NodeException(NodeFailure failure, String message, Integer rpcCode, String rpcDataJson, Throwable cause,
                          boolean reachedNode) {
        super(message, cause, false, false);
        this.failure = failure;
        this.rpcCode = rpcCode;
        this.rpcDataJson = rpcDataJson;
        this.reachedNode = reachedNode;
    }

    /**
     * A JSON-RPC error the relay answers itself, worded as a node would (a param it checks), for a call that never
     * reached a node: clients read it as any node error, and the simple form does not blame the node for it.
     */
    public static NodeException refusedBeforeTheNode(String message, int rpcCode) {
        return new NodeException(NodeFailure.RPC_ERROR, message, rpcCode, null, null, false);
    }

    /** False when the relay refused the call before any node saw it ({@link #refusedBeforeTheNode}). */
    public boolean reachedNode() {
        return reachedNode;
    }

    public NodeFailure failure() {
        return failure;
    }

    public Optional<Integer> rpcCode() {
        return Optional.ofNullable(rpcCode);
    }

    public Optional<String> rpcDataJson() {
        return Optional.ofNullable(rpcDataJson);
    }
}
