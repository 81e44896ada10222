package com.dytallix.domain.faucet;

class InMemoryFaucetControlsTest extends FaucetControlsContract {
    @Override
    protected FaucetControls newControls() {
        return new InMemoryFaucetControls();
    }
}
