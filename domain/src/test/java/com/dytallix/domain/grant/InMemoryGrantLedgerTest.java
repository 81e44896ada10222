package com.dytallix.domain.grant;

import com.dytallix.domain.payer.PayerLeases;

class InMemoryGrantLedgerTest extends GrantLedgerContract {
    @Override
    protected GrantLedger newLedger() {
        return new InMemoryGrantLedger();
    }

    @Override
    protected PayerLeases leasesOfLedger() {
        return ((InMemoryGrantLedger) ledger).leases();
    }
}
