package com.dytallix.bootstrap.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.application.status.NodeHealth;
import com.dytallix.application.status.StatusSnapshot;
import com.dytallix.domain.Address;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.PauseState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class StatusGaugesTest {
    private static final Address FAUCET = new Address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicReference<StatusSnapshot> snapshot = new AtomicReference<>(neverReachedNode());

    @Test
    void valuesTheNodeNeverReportedAreNaNSoThresholdAlertsStayQuiet() {
        Observability.registerGauges(registry, snapshot::get);

        assertThat(value("dytallix.faucet.balance")).isNaN();
        assertThat(value("dytallix.block.height")).isNaN();
        assertThat(value("dytallix.node.head.age")).isNaN();
        assertThat(value("dytallix.block.lag")).isZero();
        assertThat(value("dytallix.faucet.paused")).isZero();
        assertThat(value("dytallix.faucet.pending.transactions")).isZero();
    }

    @Test
    void gaugesFollowEachNewSnapshot() {
        Observability.registerGauges(registry, snapshot::get);
        System.gc(); // the supplier above is referenced by nothing but the gauges

        snapshot.set(refreshed(Wei.ofDyt("999.25"), 100, 12, Duration.ofSeconds(40), true, 3));
        assertThat(value("dytallix.faucet.balance")).isEqualTo(999.25);
        assertThat(value("dytallix.block.height")).isEqualTo(100);
        assertThat(value("dytallix.block.lag")).isEqualTo(12);
        assertThat(value("dytallix.node.head.age")).isEqualTo(40);
        assertThat(value("dytallix.faucet.paused")).isEqualTo(1);
        assertThat(value("dytallix.faucet.pending.transactions")).isEqualTo(3);

        snapshot.set(refreshed(Wei.ofDyt("5000"), 101, 0, Duration.ofMillis(1500), false, 0));
        assertThat(value("dytallix.faucet.balance")).isEqualTo(5000);
        assertThat(value("dytallix.block.height")).isEqualTo(101);
        assertThat(value("dytallix.block.lag")).isZero();
        assertThat(value("dytallix.node.head.age")).isEqualTo(1.5);
        assertThat(value("dytallix.faucet.paused")).isZero();
        assertThat(value("dytallix.faucet.pending.transactions")).isZero();
    }

    private double value(String name) {
        return registry.get(name).gauge().value();
    }

    private static StatusSnapshot neverReachedNode() {
        return new StatusSnapshot(NodeHealth.UNREACHABLE, Optional.empty(), false, Optional.empty(), 0,
                Optional.empty(), false, Optional.empty(), FAUCET, Optional.empty(), PauseState.RUNNING, 0,
                Optional.empty(), Optional.of("not refreshed yet"), Instant.EPOCH);
    }

    private static StatusSnapshot refreshed(Wei balance, long height, long lag, Duration headAge, boolean paused,
                                            long backlog) {
        PauseState pause = paused ? new PauseState(true, Optional.of("drill"), Optional.of(Instant.EPOCH)) : PauseState.RUNNING;
        return new StatusSnapshot(NodeHealth.OK, Optional.of(1L), true, Optional.of(height), lag, Optional.of(headAge),
                false, Optional.of(Duration.ofSeconds(2)), FAUCET, Optional.of(balance), pause, backlog,
                Optional.of(Instant.EPOCH), Optional.empty(), Instant.EPOCH);
    }
}
