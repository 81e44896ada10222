package com.dytallix.domain.grant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GrantStatusTest {
    @Test
    void theHappyPathIsAllowed() {
        assertThat(GrantStatus.PENDING.moveTo(GrantStatus.SIGNED)).isEqualTo(GrantStatus.SIGNED);
        assertThat(GrantStatus.SIGNED.moveTo(GrantStatus.SUBMITTED)).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(GrantStatus.SUBMITTED.moveTo(GrantStatus.CONFIRMED)).isEqualTo(GrantStatus.CONFIRMED);
    }

    @Test
    void finalStatesAreFinalAndOnlyAReorgReopensAConfirmedGrant() {
        for (GrantStatus target : GrantStatus.values()) {
            assertThat(GrantStatus.CONFIRMED.canMoveTo(target)).isFalse();
            assertThat(GrantStatus.FAILED.canMoveTo(target)).isFalse();
        }
        assertThat(GrantStatus.CONFIRMED.reopen()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(GrantStatus.SUBMITTED.reopen()).isEqualTo(GrantStatus.SUBMITTED);
        assertThatThrownBy(GrantStatus.FAILED::reopen).isInstanceOf(IllegalGrantTransitionException.class);
        assertThatThrownBy(GrantStatus.SIGNED::reopen).isInstanceOf(IllegalGrantTransitionException.class);
    }

    @Test
    void nothingIsSentOrConfirmedWithoutASignature() {
        assertThatThrownBy(() -> GrantStatus.PENDING.moveTo(GrantStatus.SUBMITTED))
                .isInstanceOf(IllegalGrantTransitionException.class);
        assertThatThrownBy(() -> GrantStatus.PENDING.moveTo(GrantStatus.CONFIRMED))
                .isInstanceOf(IllegalGrantTransitionException.class);
        assertThatThrownBy(() -> GrantStatus.SUBMITTED.moveTo(GrantStatus.SIGNED))
                .isInstanceOf(IllegalGrantTransitionException.class);
    }

    @Test
    void usersSeeSignedAsPending() {
        assertThat(GrantStatus.SIGNED.publicName()).isEqualTo("pending");
        assertThat(GrantStatus.SUBMITTED.publicName()).isEqualTo("submitted");
    }
}
