package com.dytallix.domain.grant;

class InMemoryGrantLedgerTest extends GrantLedgerContract {
    @Override
    protected GrantLedger newLedger() {
        return new InMemoryGrantLedger();
    }
}
