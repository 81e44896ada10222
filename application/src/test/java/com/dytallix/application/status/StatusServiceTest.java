package com.dytallix.application.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.application.FakeChain;
import com.dytallix.domain.Address;
import com.dytallix.domain.TestKeccak;
import com.dytallix.domain.faucet.InMemoryFaucetControls;
import com.dytallix.domain.grant.InMemoryGrantLedger;
import com.dytallix.domain.key.KeyRing;
import com.dytallix.domain.key.KeyRotation;
import com.dytallix.domain.key.SigningKey;
import com.dytallix.domain.sync.SyncLagEstimator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusServiceTest {
    private static final Address FAUCET = Address.parse("0x00000000000000000000000000000000000fa0c7", TestKeccak.INSTANCE);

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private Instant now;

        ManualClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void headAgeGrowsWithWallTimeWhileTheNodeStaysUnreachable() {
        FakeChain chain = new FakeChain();
        ManualClock clock = new ManualClock(Instant.now());
        StatusService status = new StatusService(chain, new FakeChain.Keys(FAUCET), new InMemoryFaucetControls(),
                new InMemoryGrantLedger(), new SyncLagEstimator(Optional.empty()), Optional.empty(), clock);
        Duration ageWhenSeen = status.refresh().headAge().orElseThrow();

        chain.down(true);
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofSeconds(1));
            status.refresh();
        }

        StatusSnapshot dead = status.current();
        assertThat(dead.nodeHealth()).isEqualTo(NodeHealth.UNREACHABLE);
        assertThat(dead.headAge()).contains(ageWhenSeen.plusSeconds(20));
    }

    /** An operator pauses while a refresh is reading the node: the refresh must not publish "running" again. */
    @Test
    void aPauseDuringARefreshIsNotUndoneByIt() {
        FakeChain chain = new FakeChain();
        InMemoryFaucetControls controls = new InMemoryFaucetControls();
        FakeChain.Keys keys = new FakeChain.Keys(FAUCET);
        StatusService[] status = new StatusService[1];
        boolean[] armed = new boolean[1];
        KeyRing pausingMidRefresh = new KeyRing() {
            @Override
            public SigningKey active() {
                // the refresh has read the pause state already; now the operator pauses
                if (armed[0]) {
                    armed[0] = false;
                    status[0].pauseChanged(controls.pause(Optional.of("incident"), Instant.now()));
                }
                return keys.active();
            }

            @Override
            public Optional<SigningKey> byAddress(Address address) {
                return keys.byAddress(address);
            }

            @Override
            public KeyRotation rotate(String newKeyHex, Instant at) {
                return keys.rotate(newKeyHex, at);
            }
        };
        status[0] = new StatusService(chain, pausingMidRefresh, controls, new InMemoryGrantLedger(),
                new SyncLagEstimator(Optional.empty()), Optional.empty(), Clock.systemUTC());

        armed[0] = true;
        assertThat(status[0].refresh().pause().paused()).isTrue();
        assertThat(status[0].current().pause().paused()).isTrue();
        // the next refresh reads the stored state as usual
        assertThat(status[0].refresh().pause().reason()).contains("incident");
    }
}
