package com.dytallix.application.faucet;

import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantStatus;

/** The grant a request produced (or replayed). {@code accepted} is false while the node has not taken the transaction yet (HTTP 202). */
public record DripResult(Grant grant) {
    public boolean accepted() {
        return grant.status() == GrantStatus.SUBMITTED || grant.status() == GrantStatus.CONFIRMED;
    }
}
