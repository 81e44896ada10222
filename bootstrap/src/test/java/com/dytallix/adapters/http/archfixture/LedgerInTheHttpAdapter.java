package com.dytallix.adapters.http.archfixture;

import com.dytallix.domain.GrantId;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantLedger;
import java.util.Optional;

/** A violation kept on purpose: an HTTP handler reading the ledger port instead of asking a use case. */
public final class LedgerInTheHttpAdapter {
    private LedgerInTheHttpAdapter() {
    }

    public static Optional<Grant> grant(GrantLedger ledger, String id) {
        return ledger.find(new GrantId(id));
    }
}
