package com.dytallix.domain.payer;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import java.time.Instant;
import java.util.Optional;

/**
 * A transaction the payer signs that pays no grant, between the faucet's own addresses: the
 * zero-value transfer to itself that fills a nonce gap, or a retired key's drain to the new key.
 * Like a grant's, it is stored (fenced by the payer lease) before it is sent, and only its stored
 * bytes are ever sent again: one transaction per sender and nonce.
 *
 * @param lastSentAt  when the node last accepted it; empty until then (a crash between store and send)
 * @param blockNumber the block it was last seen in; empty while unmined, or after a reorg took that block away
 */
public record InternalTransfer(Kind kind, Address from, long nonce, Address to, Wei value, TxHash hash, String rawTx,
                               Instant createdAt, Optional<Instant> lastSentAt, Optional<Long> blockNumber) {

    public enum Kind {
        GAP_FILLER, DRAIN
    }
}
