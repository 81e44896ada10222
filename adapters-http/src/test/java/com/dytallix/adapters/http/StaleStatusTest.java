package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.application.FakeChain;
import com.dytallix.application.status.StatusService;
import com.dytallix.domain.TestClock;
import com.dytallix.domain.faucet.InMemoryFaucetControls;
import com.dytallix.domain.grant.InMemoryGrantLedger;
import com.dytallix.application.payer.PayerElection;
import com.dytallix.domain.sync.ExpectedChain;
import com.dytallix.domain.payer.InMemoryPayerLeases;
import com.dytallix.domain.sync.SyncLagEstimator;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** /api/status must not keep saying "ok" from a snapshot its refresh job stopped updating. */
class StaleStatusTest {
    @Test
    void aSnapshotOlderThanTheStalenessBoundIsDegradedWithItsAge() {
        var clock = new TestClock(Instant.parse("2026-01-31T12:00:00Z"));
        var status = new StatusService(new FakeChain(), new FakeChain.Keys(TestApi.FAUCET), new InMemoryFaucetControls(),
                new InMemoryGrantLedger(), new SyncLagEstimator(Optional.empty()), new ExpectedChain(Optional.empty()),
                new PayerElection(new InMemoryPayerLeases(), "test", Duration.ofSeconds(10), () -> { }), clock);
        status.refresh();
        Duration staleAfter = Duration.ofSeconds(5);

        var fresh = StatusHttpService.view(status.current(), clock.instant().plusSeconds(1), staleAfter, "test", Optional.of("test"), java.util.List.of());
        assertThat(fresh.api()).isEqualTo("ok");
        assertThat(fresh.snapshotAgeSeconds()).isEqualTo(1.0);

        // the refresh job died: the node is fine, the snapshot says "ok", but nobody updates it
        var frozen = StatusHttpService.view(status.current(), clock.instant().plusSeconds(60), staleAfter, "test", Optional.of("test"), java.util.List.of());
        assertThat(frozen.nodeStatus()).isEqualTo("ok");
        assertThat(frozen.api()).isEqualTo("degraded");
        assertThat(frozen.snapshotAgeSeconds()).isEqualTo(60.0);
        assertThat(frozen.lastError()).contains("not refreshed for 60 s");
    }
}
