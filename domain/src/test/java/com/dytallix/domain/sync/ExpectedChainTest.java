package com.dytallix.domain.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExpectedChainTest {
    @Test
    void withChainIdConfiguredOnlyThatChainServesAndTheMismatchNamesBoth() {
        ExpectedChain chain = new ExpectedChain(Optional.of(31337L));
        assertThat(chain.mismatch(31337)).isEmpty();
        assertThat(chain.mismatch(1)).contains("node chain id 1 does not match CHAIN_ID 31337");
    }

    @Test
    void withoutChainIdAnyChainServes() {
        assertThat(new ExpectedChain(Optional.empty()).mismatch(1)).isEmpty();
        assertThat(new ExpectedChain(Optional.empty()).mismatch(31337)).isEmpty();
    }
}
