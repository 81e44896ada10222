package com.dytallix.domain.payer;

class InMemoryPayerLeasesTest extends PayerLeasesContract {
    @Override
    protected PayerLeases newLeases() {
        return new InMemoryPayerLeases();
    }
}
