package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.TxHash;
import java.time.Instant;
import java.util.Optional;

/**
 * A SIGNED or SUBMITTED grant as a tracker pass first looks at it: enough to tell whether the chain
 * has used its nonce, whether it is recorded in a block, and how long it has waited since it was last
 * sent. Only the grants a pass acts on are read whole ({@link Settlements#grants}).
 *
 * @param lastSent when it was last handed to the node, or when it last changed if it never was
 */
public record Payment(GrantId id, GrantStatus status, Address from, long nonce, Optional<Long> blockNumber,
                      Optional<TxHash> landedHash, Instant lastSent) {
}
