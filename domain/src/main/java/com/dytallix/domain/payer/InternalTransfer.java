package com.dytallix.domain.payer;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.Fees;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A transaction the payer signs that pays no grant, between the faucet's own addresses: the
 * zero-value transfer to itself that fills a nonce gap, or a retired key's drain to the new key.
 * Like a grant's, it is stored (fenced by the payer lease) before it is sent, and only its stored
 * bytes are ever sent again. A transfer the chain leaves unmined is re-priced like a grant: the new
 * bytes take the stored ones' place, and the hashes they replaced are kept, since the chain may
 * still mine one of those instead.
 *
 * @param fees        the fees its bytes carry; empty for a transfer stored before they were recorded
 * @param replaced    the hashes of the transactions it replaced, oldest first
 * @param lastSentAt  when the node last accepted it; empty until then (a crash between store and send)
 * @param blockNumber the block it was last seen in; empty while unmined, or after a reorg took that block away
 */
public record InternalTransfer(Kind kind, Address from, long nonce, Address to, Wei value, Optional<Fees> fees, TxHash hash,
                               List<TxHash> replaced, String rawTx, Instant createdAt, Optional<Instant> lastSentAt,
                               Optional<Long> blockNumber) {

    public InternalTransfer {
        replaced = List.copyOf(replaced);
    }

    /** Every hash it was sent under, newest first: the one the chain mined, if any, is among them. */
    public List<TxHash> hashesNewestFirst() {
        return Stream.concat(Stream.of(hash), replaced.reversed().stream()).toList();
    }

    public enum Kind {
        GAP_FILLER, DRAIN
    }
}
