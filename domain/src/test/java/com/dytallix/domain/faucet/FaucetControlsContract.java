package com.dytallix.domain.faucet;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.Wei;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link FaucetControls} must do; subclass it once per implementation. */
public abstract class FaucetControlsContract {
    protected static final Instant T0 = Instant.parse("2026-03-01T12:00:00.250Z");
    protected static final Address FAUCET = new Address("0x00000000000000000000000000000000000000fa");

    protected FaucetControls controls;

    /** Fresh controls over an empty store, new for each test. */
    protected abstract FaucetControls newControls();

    @BeforeEach
    void createControls() {
        controls = newControls();
    }

    @Test
    void theFaucetStartsRunning() {
        assertThat(controls.pauseState()).isEqualTo(PauseState.RUNNING);
    }

    @Test
    void pausingRecordsTheReasonAndTheTime() {
        PauseState paused = controls.pause(Optional.of("under attack"), T0);

        assertThat(paused).isEqualTo(new PauseState(true, Optional.of("under attack"), Optional.of(T0)));
        assertThat(controls.pauseState()).isEqualTo(paused);
    }

    @Test
    void pausingAgainKeepsTheStartTimeAndTheReasonUnlessANewOneIsGiven() {
        controls.pause(Optional.of("under attack"), T0);

        assertThat(controls.pause(Optional.empty(), T0.plusSeconds(60)))
                .isEqualTo(new PauseState(true, Optional.of("under attack"), Optional.of(T0)));
        assertThat(controls.pause(Optional.of("still under attack"), T0.plusSeconds(120)))
                .isEqualTo(new PauseState(true, Optional.of("still under attack"), Optional.of(T0)));
        assertThat(controls.pauseState().reason()).contains("still under attack");
    }

    @Test
    void resumingClearsThePause() {
        controls.pause(Optional.of("maintenance"), T0);

        assertThat(controls.resume(T0.plusSeconds(60))).isEqualTo(PauseState.RUNNING);
        assertThat(controls.pauseState()).isEqualTo(PauseState.RUNNING);
        assertThat(controls.pause(Optional.empty(), T0.plusSeconds(90)))
                .isEqualTo(new PauseState(true, Optional.empty(), Optional.of(T0.plusSeconds(90))));
    }

    @Test
    void topUpsGetAnIdAndComeBackNewestFirst() {
        TopUp first = controls.recordTopUp(topUp("10000", "Emergency top-up", T0));
        TopUp second = controls.recordTopUp(topUp("0.000000000000000001", "dust", T0.plusSeconds(60)));
        TopUp third = controls.recordTopUp(topUp("123456789.123456789123456789", "big", T0.plusSeconds(120)));

        assertThat(first.id()).isPresent();
        assertThat(second.id()).isPresent().isNotEqualTo(first.id());
        assertThat(second.amount()).isEqualTo(Wei.ofDyt("0.000000000000000001"));
        assertThat(controls.recentTopUps(10)).containsExactly(third, second, first);
        assertThat(controls.recentTopUps(2)).containsExactly(third, second);
    }

    @Test
    void theAuditTrailKeepsEveryActionNewestFirst() {
        AuditEntry refused = new AuditEntry(T0, "pause", ClientIp.parse("198.51.100.7"), "forbidden", "");
        AuditEntry paused = new AuditEntry(T0.plusSeconds(1), "pause", ClientIp.parse("::1"), "ok", "reason=attack");
        AuditEntry resumed = new AuditEntry(T0.plusSeconds(2), "resume", ClientIp.parse("127.0.0.1"), "ok", "");

        controls.audit(refused);
        controls.audit(paused);
        controls.audit(resumed);

        assertThat(controls.recentAudit(10)).containsExactly(resumed, paused, refused);
        assertThat(controls.recentAudit(1)).containsExactly(resumed);
    }

    @Test
    void theAuditTrailIsPrunedPastItsRetention() {
        AuditEntry old = new AuditEntry(T0, "pause", ClientIp.parse("198.51.100.7"), "forbidden", "");
        AuditEntry recent = new AuditEntry(T0.plus(Duration.ofDays(100)), "resume", ClientIp.parse("::1"), "ok", "");
        controls.audit(old);
        controls.audit(recent);

        assertThat(controls.pruneAudit(T0.plus(Duration.ofDays(10)))).isEqualTo(1);
        assertThat(controls.recentAudit(10)).containsExactly(recent);
        assertThat(controls.pruneAudit(T0.plus(Duration.ofDays(10)))).isZero();
    }

    protected static TopUp topUp(String dyt, String note, Instant at) {
        return new TopUp(Optional.empty(), Wei.ofDyt(dyt), note, FAUCET, Wei.ofDyt("20000"), at);
    }
}
