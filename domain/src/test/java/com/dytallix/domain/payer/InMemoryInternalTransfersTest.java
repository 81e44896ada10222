package com.dytallix.domain.payer;

class InMemoryInternalTransfersTest extends InternalTransfersContract {
    private final InMemoryPayerLeases store = new InMemoryPayerLeases();

    @Override
    protected InternalTransfers newTransfers() {
        return new InMemoryInternalTransfers(store);
    }

    @Override
    protected PayerLeases leasesOfTransfers() {
        return store;
    }
}
