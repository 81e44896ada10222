package com.dytallix.application.faucet;

import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantStatus;

/**
 * The grant a request produced (or replayed). {@code accepted} is false only while the transaction
 * is stored but the node has not taken it yet, i.e. it will still be sent (HTTP 202). A FAILED grant
 * (replayed) will never be sent, so it is answered as it stands, never as "will be sent".
 */
public record DripResult(Grant grant) {
    public boolean accepted() {
        return grant.status() != GrantStatus.PENDING && grant.status() != GrantStatus.SIGNED;
    }
}
