package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import java.util.Set;

/**
 * A block that grants were recorded in, as the reorg watch compares it with the chain: its number,
 * the block hash those grants recorded, and who paid them.
 */
public record RecordedBlock(long number, String hash, Set<Address> senders) {
    public RecordedBlock {
        senders = Set.copyOf(senders);
    }
}
