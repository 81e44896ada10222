package com.dytallix.bootstrap.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.grant.LimitScope;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsTelemetryTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MetricsTelemetry telemetry = new MetricsTelemetry(registry, List.of("eth_call", "eth_blockNumber"));

    @Test
    void everyGrantOutcomeAndLimitScopeStartsAtZeroSoTheFirstEventShowsInRate() {
        assertThat(registry.find("dytallix.faucet.grants").counters()).hasSize(10)
                .allSatisfy(c -> assertThat(c.count()).isZero());
        assertThat(registry.find("dytallix.rate.limit.hits").counters()).hasSize(LimitScope.values().length);
        assertThat(registry.get("dytallix.tx.replacements").counter().count()).isZero();
    }

    @Test
    void countsOutcomesScopesAndReplacements() {
        telemetry.grantOutcome("granted");
        telemetry.grantOutcome("rate_limited");
        telemetry.grantOutcome("rate_limited");
        telemetry.rateLimitHit(LimitScope.DAILY_CAP);
        telemetry.transactionReplaced();
        telemetry.transactionReplaced();

        assertThat(registry.get("dytallix.faucet.grants").tag("outcome", "granted").counter().count()).isEqualTo(1);
        assertThat(registry.get("dytallix.faucet.grants").tag("outcome", "rate_limited").counter().count()).isEqualTo(2);
        assertThat(registry.get("dytallix.rate.limit.hits").tag("scope", "daily_cap").counter().count()).isEqualTo(1);
        assertThat(registry.get("dytallix.rate.limit.hits").tag("scope", "ip").counter().count()).isZero();
        assertThat(registry.get("dytallix.tx.replacements").counter().count()).isEqualTo(2);
    }

    @Test
    void rpcMethodsOutsideTheKnownSetAreLabelledOther() {
        telemetry.rpcRequest("eth_call", "ok", Duration.ofMillis(12));
        telemetry.rpcRequest("eth_call", "timeout", Duration.ofSeconds(3));
        telemetry.rpcRequest("eth_whatever_" + System.nanoTime(), "rpc_error", Duration.ofMillis(5));
        telemetry.rpcRequest("eth_another_" + System.nanoTime(), "rpc_error", Duration.ofMillis(5));

        assertThat(registry.get("dytallix.rpc.requests").tags("method", "eth_call", "outcome", "ok").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("dytallix.rpc.requests").tags("method", "eth_call", "outcome", "timeout").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("dytallix.rpc.requests").tags("method", "other", "outcome", "rpc_error").counter().count())
                .isEqualTo(2);
        assertThat(registry.find("dytallix.rpc.requests").counters()).hasSize(3);
        assertThat(registry.get("dytallix.rpc.request.duration").tag("method", "eth_call").timer()
                .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3012);
    }

    @Test
    void deniedCallsAreCountedButKeptOutOfTheNodeLatency() {
        telemetry.rpcRequest("other", "denied", Duration.ZERO);

        assertThat(registry.get("dytallix.rpc.requests").tags("method", "other", "outcome", "denied").counter().count())
                .isEqualTo(1);
        assertThat(registry.find("dytallix.rpc.request.duration").timers()).isEmpty();
    }
}
