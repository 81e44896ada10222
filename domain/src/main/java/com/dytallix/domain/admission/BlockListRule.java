package com.dytallix.domain.admission;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.LedgerWindow;
import com.dytallix.domain.grant.Refusal;

/** A blocked client IP or recipient address is refused outright. */
public final class BlockListRule implements AdmissionRule {
    private final BlockList blocks;

    public BlockListRule(BlockList blocks) {
        this.blocks = blocks;
    }

    @Override
    public String name() {
        return "block_list";
    }

    @Override
    public Verdict decide(Applicant applicant, Wei payout, LedgerWindow ledger) {
        return blocks.matching(applicant.ip(), applicant.address(), applicant.now())
                .<Verdict>map(b -> Verdict.refuse(new Refusal.Blocked(b.target().scope())))
                .orElse(Verdict.ALLOW);
    }
}
