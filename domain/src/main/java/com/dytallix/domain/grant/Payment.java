package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.TxHash;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A SIGNED or SUBMITTED grant as a tracker pass looks at it: enough to tell whether the chain has
 * used its nonce, which of its transactions was mined, whether it is recorded in a block, and how
 * long it has waited since it was last sent. A pass reads the grant whole ({@link GrantRecords#find})
 * only to send, re-price or re-open it.
 *
 * @param hashes   every transaction hash it ever had, oldest first
 * @param lastSent when it was last handed to the node, or when it last changed if it never was
 */
public record Payment(GrantId id, GrantStatus status, Address from, long nonce, List<TxHash> hashes, Optional<Long> blockNumber,
                      Optional<TxHash> landedHash, Instant lastSent) {
    public Payment {
        hashes = List.copyOf(hashes);
    }
}
