package com.dytallix.application.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.application.FakeChain;
import com.dytallix.application.payer.PayerElection;
import com.dytallix.application.status.StatusService;
import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.TestClock;
import com.dytallix.domain.TestKeccak;
import com.dytallix.domain.faucet.InMemoryFaucetControls;
import com.dytallix.domain.grant.InMemoryGrantLedger;
import com.dytallix.domain.payer.InMemoryPayerLeases;
import com.dytallix.domain.sync.RawJson;
import com.dytallix.domain.sync.ExpectedChain;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.sync.SyncLagEstimator;
import com.dytallix.domain.telemetry.RecordingTelemetry;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.List;
import org.junit.jupiter.api.Test;

class RelayServiceTest {
    private static final Address FAUCET = Address.parse("0x00000000000000000000000000000000000fa0c7", TestKeccak.INSTANCE);
    private static final Duration NODE_TIME = Duration.ofMillis(30);

    /**
     * The {@code rpc} timer's durations are the calls' own, from a monotonic clock: the application's clock is the wall
     * clock (a test's stands still, a server's may be stepped by NTP), and two of its instants around a node call measured
     * 0 s for a 30 ms call here, or a negative time across a step back.
     */
    @Test
    void aRelayedCallsDurationIsItsOwnWhateverTheWallClockDoes() {
        TestClock wall = new TestClock(Instant.parse("2026-12-01T00:00:00Z"));
        var telemetry = new RecordingTelemetry();
        RelayService relay = new RelayService((method, params) -> {
            sleep(NODE_TIME);
            if (method.equals("eth_call")) {
                throw new NodeException(NodeFailure.RPC_ERROR, "execution reverted");
            }
            return RawJson.of("\"0x1\"");
        }, new RelayPolicy(List.of("eth_blockNumber", "eth_call")), status(wall), telemetry, new RelayFilters(3, 100, wall), 56);

        assertThat(relay.forward(ClientIp.parse("203.0.113.7"), "eth_blockNumber", "[]").text()).isEqualTo("\"0x1\"");
        try {
            relay.forward(ClientIp.parse("203.0.113.7"), "eth_call", "[{},\"latest\"]");
        } catch (NodeException expected) {
            // recorded as the node's error
        }

        assertThat(telemetry.rpcOutcomes).containsExactly("eth_blockNumber:ok", "eth_call:rpc_error");
        assertThat(telemetry.rpcDurations).allSatisfy(d -> assertThat(d).isBetween(NODE_TIME, Duration.ofSeconds(10)));
    }

    private static StatusService status(TestClock clock) {
        return new StatusService(new FakeChain(), new FakeChain.Keys(FAUCET), new InMemoryFaucetControls(), new InMemoryGrantLedger(),
                new SyncLagEstimator(Optional.empty()), new ExpectedChain(Optional.empty()),
                new PayerElection(new InMemoryPayerLeases(), "test", Duration.ofSeconds(10), () -> { }), clock);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
