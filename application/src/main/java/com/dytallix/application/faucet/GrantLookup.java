package com.dytallix.application.faucet;

import com.dytallix.application.status.StatusService;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantRecords;
import java.util.Optional;

/** A grant as its requester follows it: where it stands and how deep its block is. */
public final class GrantLookup {
    private final GrantRecords records;
    private final StatusService status;

    public GrantLookup(GrantRecords records, StatusService status) {
        this.records = records;
        this.status = status;
    }

    /**
     * @param confirmations blocks from the grant's block to the latest one the node reported, that
     *                      block included (at least 1 once mined); 0 while not mined
     */
    public record Progress(Grant grant, long confirmations) {
    }

    public Optional<Progress> find(GrantId id) {
        return records.find(id).map(this::progress);
    }

    /** The same view of a grant the caller already holds (the answer to a drip request). */
    public Progress progress(Grant g) {
        long confirmations = g.blockNumber()
                .flatMap(b -> status.current().height().map(h -> Math.max(1, h - b + 1)))
                .orElse(0L);
        return new Progress(g, confirmations);
    }
}
