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

    public NodeException(NodeFailure failure, String message) {
        this(failure, message, null, null, null);
    }

    public NodeException(NodeFailure failure, String message, Integer rpcCode, String rpcDataJson, Throwable cause) {
        super(message, cause, false, false);
        this.failure = failure;
        this.rpcCode = rpcCode;
        this.rpcDataJson = rpcDataJson;
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
