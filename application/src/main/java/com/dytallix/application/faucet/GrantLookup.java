package com.dytallix.application.faucet;

import com.dytallix.application.status.StatusService;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantRecords;
import com.dytallix.domain.grant.GrantStatus;
import java.util.Optional;

/** A grant as its requester follows it: where it stands and how deep its block is. */
public final class GrantLookup {
    private final GrantRecords records;
    private final StatusService status;
    private final Payer payer;

    public GrantLookup(GrantRecords records, StatusService status, Payer payer) {
        this.records = records;
        this.status = status;
        this.payer = payer;
    }

    /**
     * @param confirmations blocks from the grant's block to the latest one the node reported, that
     *                      block included (at least 1 once mined); 0 while not mined
     */
    public record Progress(Grant grant, long confirmations) {
    }

    public Optional<Progress> find(GrantId id) {
        // the node took it and its request was answered so: shown as answered while its record is being written
        return records.find(id).map(g -> g.status() == GrantStatus.SIGNED
                ? payer.acceptedNotRecorded(id).map(g::submitted).orElse(g) : g).map(this::progress);
    }

    /** The same view of a grant the caller already holds (the answer to a drip request). */
    public Progress progress(Grant g) {
        long confirmations = g.blockNumber()
                .flatMap(b -> status.current().height().map(h -> Math.max(1, h - b + 1)))
                .orElse(0L);
        return new Progress(g, confirmations);
    }
}
