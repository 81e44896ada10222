package com.dytallix.domain.sync;

/**
 * The closed set of ways a node call fails. Nodes disagree on JSON-RPC error codes for the same
 * case, so adapters classify by message text.
 */
public enum NodeFailure {
    /** No answer within NODE_TIMEOUT_MS. */
    TIMEOUT,
    /** Connection refused, reset or DNS failure. */
    UNREACHABLE,
    /** Not JSON, truncated, wrong id, HTTP error status. */
    BAD_RESPONSE,
    /** The node said it is rate limiting us (HTTP 429 or a limit message). */
    RATE_LIMITED,
    /** The answer was larger than RPC_MAX_RESPONSE_BYTES: refused unread, asking another node would not help. */
    RESPONSE_TOO_LARGE,
    /** MAX_CONCURRENCY calls already in flight and the bounded wait ran out. */
    OVERLOADED,
    NONCE_TOO_LOW,
    NONCE_TOO_HIGH,
    ALREADY_KNOWN,
    REPLACEMENT_UNDERPRICED,
    /** Fee below the pool minimum or the base fee. */
    UNDERPRICED,
    INSUFFICIENT_FUNDS,
    WRONG_CHAIN_ID,
    INTRINSIC_GAS,
    INVALID_TRANSACTION,
    /** Any other JSON-RPC error object the node returned; its code and message are kept. */
    RPC_ERROR;

    /** Failures where the node may simply not have been reached: retrying the same call is safe. */
    public boolean isTransient() {
        return this == TIMEOUT || this == UNREACHABLE || this == BAD_RESPONSE || this == RATE_LIMITED || this == OVERLOADED;
    }
}
