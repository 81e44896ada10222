package com.dytallix.domain.key;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Wei;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FeePolicyTest {
    private final FeePolicy policy = new FeePolicy(Wei.of(1_000_000_000_000L));

    @Test
    void eip1559WhenTheNodeHasABaseFee() {
        Fees fees = policy.initial(new FeeSuggestion(Optional.of(Wei.of(100)), Wei.of(7), Wei.of(150)));
        assertThat(fees).isEqualTo(new Fees.Eip1559(Wei.of(207), Wei.of(7)));
    }

    @Test
    void legacyWithoutABaseFee() {
        Fees fees = policy.initial(new FeeSuggestion(Optional.empty(), Wei.of(7), Wei.of(150)));
        assertThat(fees).isEqualTo(new Fees.Legacy(Wei.of(150)));
    }

    @Test
    void replacementRaisesEveryFieldByAtLeastTwelveAndAHalfPercent() {
        Fees bumped = policy.bump(new Fees.Eip1559(Wei.of(1000), Wei.of(100)),
                new FeeSuggestion(Optional.of(Wei.of(1)), Wei.of(1), Wei.of(1))).orElseThrow();
        assertThat(bumped).isEqualTo(new Fees.Eip1559(Wei.of(1125), Wei.of(113)));
        Fees legacy = policy.bump(new Fees.Legacy(Wei.of(1001)), new FeeSuggestion(Optional.empty(), Wei.ZERO, Wei.of(1))).orElseThrow();
        assertThat(legacy).isEqualTo(new Fees.Legacy(Wei.of(1127)));
    }

    @Test
    void replacementFollowsTheMarketWhenItRoseMore() {
        Fees bumped = policy.bump(new Fees.Eip1559(Wei.of(1000), Wei.of(100)),
                new FeeSuggestion(Optional.of(Wei.of(5000)), Wei.of(100), Wei.of(1))).orElseThrow();
        assertThat(bumped).isEqualTo(new Fees.Eip1559(Wei.of(10_100), Wei.of(113)));
    }

    @Test
    void noReplacementAboveTheCeiling() {
        FeePolicy tight = new FeePolicy(Wei.of(1100));
        assertThat(tight.bump(new Fees.Eip1559(Wei.of(1000), Wei.of(100)),
                new FeeSuggestion(Optional.of(Wei.of(1)), Wei.of(1), Wei.of(1)))).isEmpty();
    }
}
