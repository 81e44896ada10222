package com.dytallix.domain.admission;

import org.junit.jupiter.api.Nested;

/** The in-memory fakes the application tests use keep the ports' contracts. */
class InMemoryAdmissionPortsTest {
    @Nested
    class Blocks extends BlockListContract {
        @Override
        protected BlockList newBlockList() {
            return new InMemoryBlockList();
        }
    }

    @Nested
    class Challenges extends ChallengeStoreContract {
        @Override
        protected ChallengeStore newStore() {
            return new InMemoryChallengeStore();
        }
    }
}
