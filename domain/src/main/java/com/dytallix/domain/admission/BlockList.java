package com.dytallix.domain.admission;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The operator's block list, kept across restarts and shared by every instance. */
public interface BlockList {
    /** Stores a new block and returns it with its id. */
    Block add(Block.Target target, String reason, Instant createdAt, Optional<Instant> expiresAt);

    /** @return false when no block has that id */
    boolean remove(long id);

    /** Every block, expired ones too, newest first. */
    List<Block> all();

    /** The first block in force at {@code now} that names this IP (or a range holding it) or this address. */
    Optional<Block> matching(ClientIp ip, Address address, Instant now);
}
