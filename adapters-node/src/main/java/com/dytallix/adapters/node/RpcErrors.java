package com.dytallix.adapters.node;

import com.dytallix.domain.sync.NodeFailure;
import java.util.Locale;

/**
 * Classifies a node's error text. Nodes (geth, reth, nethermind, besu, anvil) use different
 * JSON-RPC codes for the same case but similar wording, so the words decide.
 */
final class RpcErrors {
    private RpcErrors() {
    }

    static NodeFailure classify(String text) {
        String t = text == null ? "" : text.toLowerCase(Locale.ROOT);
        if (t.contains("replacement transaction underpriced") || t.contains("replacement fee too low")
                || t.contains("replacement underpriced")) {
            return NodeFailure.REPLACEMENT_UNDERPRICED;
        }
        if (t.contains("already known") || t.contains("known transaction") || t.contains("already imported")
                || t.contains("alreadyknown") || t.contains("already in the mempool") || t.contains("already in pool")) {
            return NodeFailure.ALREADY_KNOWN;
        }
        if (t.contains("nonce too low") || t.contains("nonce has already been used") || t.contains("oldnonce")) {
            return NodeFailure.NONCE_TOO_LOW;
        }
        if (t.contains("nonce too high") || t.contains("nonce gap")) {
            return NodeFailure.NONCE_TOO_HIGH;
        }
        if (t.contains("insufficient funds") || t.contains("insufficient balance")) {
            return NodeFailure.INSUFFICIENT_FUNDS;
        }
        if (t.contains("transaction underpriced") || t.contains("less than block base fee") || t.contains("fee too low")
                || t.contains("feetoolow") || t.contains("gas price too low") || t.contains("max fee per gas less than")
                || t.contains("fee cap less than")) {
            return NodeFailure.UNDERPRICED;
        }
        if (t.contains("invalid chain id") || t.contains("chain id mismatch") || t.contains("wrong chain id")
                || t.contains("incompatible chain") || t.contains("chainid mismatch") || t.contains("invalid chainid")) {
            return NodeFailure.WRONG_CHAIN_ID;
        }
        if (t.contains("intrinsic gas")) {
            return NodeFailure.INTRINSIC_GAS;
        }
        if (t.contains("rate limit") || t.contains("too many requests") || t.contains("request limit")) {
            return NodeFailure.RATE_LIMITED;
        }
        if (t.contains("invalid transaction") || t.contains("invalid sender") || t.contains("invalid signature")
                || t.contains("rlp") || t.contains("failed to decode") || t.contains("transaction type not supported")
                || t.contains("only replay-protected") || t.contains("priority fee per gas higher than max fee")) {
            return NodeFailure.INVALID_TRANSACTION;
        }
        return NodeFailure.RPC_ERROR;
    }
}
