package com.dytallix.domain.admission;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A {@link BlockList} in memory for tests. */
public final class InMemoryBlockList implements BlockList {
    private final List<Block> blocks = new ArrayList<>();
    private long nextId = 1;

    @Override
    public synchronized Block add(Block.Target target, String reason, Instant createdAt, Optional<Instant> expiresAt) {
        Block block = new Block(nextId++, target, reason, createdAt.truncatedTo(ChronoUnit.MILLIS),
                expiresAt.map(e -> e.truncatedTo(ChronoUnit.MILLIS)));
        blocks.add(block);
        return block;
    }

    @Override
    public synchronized boolean remove(long id) {
        return blocks.removeIf(b -> b.id() == id);
    }

    @Override
    public synchronized List<Block> all() {
        return List.copyOf(blocks).reversed();
    }

    @Override
    public synchronized Optional<Block> matching(ClientIp ip, Address address, Instant now) {
        return all().stream().filter(b -> b.activeAt(now) && b.target().matches(ip, address)).findFirst();
    }
}
