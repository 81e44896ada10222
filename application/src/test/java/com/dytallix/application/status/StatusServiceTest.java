package com.dytallix.application.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.application.payer.PayerElection;
import com.dytallix.domain.payer.InMemoryPayerLeases;
import com.dytallix.application.FakeChain;
import com.dytallix.domain.sync.ExpectedChain;
import com.dytallix.domain.Address;
import com.dytallix.domain.TestClock;
import com.dytallix.domain.TestKeccak;
import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.faucet.InMemoryFaucetControls;
import com.dytallix.domain.grant.InMemoryGrantLedger;
import com.dytallix.domain.sync.SyncLagEstimator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class StatusServiceTest {
    private static final Address FAUCET = Address.parse("0x00000000000000000000000000000000000fa0c7", TestKeccak.INSTANCE);

    @Test
    void readinessNamesANodeThatHasNotAnsweredOrStoppedAnswering() {
        FakeChain chain = new FakeChain();
        TestClock clock = new TestClock(Instant.now());
        StatusService status = new StatusService(chain, new FakeChain.Keys(FAUCET), new InMemoryFaucetControls(),
                new InMemoryGrantLedger(), new SyncLagEstimator(Optional.empty()), new ExpectedChain(Optional.empty()),
                new PayerElection(new InMemoryPayerLeases(), "test", Duration.ofSeconds(10), () -> { }), clock);
        Duration fresh = Duration.ofSeconds(5);
        assertThat(status.nodeProblem(fresh)).contains("node has not answered yet");

        status.refresh();
        assertThat(status.nodeProblem(fresh)).isEmpty();
        assertThat(status.unhealthyNodes()).isEmpty();

        chain.down(true);
        clock.advance(Duration.ofSeconds(6));
        status.refresh();
        assertThat(status.nodeProblem(fresh)).contains("node last answered 6s ago");
    }

    @Test
    void headAgeGrowsWithWallTimeWhileTheNodeStaysUnreachable() {
        FakeChain chain = new FakeChain();
        TestClock clock = new TestClock(Instant.now());
        StatusService status = new StatusService(chain, new FakeChain.Keys(FAUCET), new InMemoryFaucetControls(),
                new InMemoryGrantLedger(), new SyncLagEstimator(Optional.empty()), new ExpectedChain(Optional.empty()),
                new PayerElection(new InMemoryPayerLeases(), "test", Duration.ofSeconds(10), () -> { }), clock);
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

    @Test
    void aPauseDuringARefreshIsNotUndoneByIt() throws Exception {
        CountDownLatch pauseRead = new CountDownLatch(1);
        CountDownLatch carryOn = new CountDownLatch(1);
        InMemoryFaucetControls controls = new InMemoryFaucetControls();
        // the refresh reads the pause state, then stalls (as on a slow node) while an operator pauses
        FaucetControls slowReader = (FaucetControls) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {FaucetControls.class}, (proxy, method, args) -> {
                    Object answer = method.invoke(controls, args);
                    if (method.getName().equals("pauseState") && pauseRead.getCount() > 0) {
                        pauseRead.countDown();
                        carryOn.await();
                    }
                    return answer;
                });
        StatusService status = new StatusService(new FakeChain(), new FakeChain.Keys(FAUCET), slowReader,
                new InMemoryGrantLedger(), new SyncLagEstimator(Optional.empty()), new ExpectedChain(Optional.empty()),
                new PayerElection(new InMemoryPayerLeases(), "test", Duration.ofSeconds(10), () -> { }),
                Clock.systemUTC());
        Thread refresh = Thread.ofPlatform().start(status::refresh);
        pauseRead.await();

        status.pauseChanged(controls.pause(Optional.of("under attack"), Instant.now()));
        carryOn.countDown();
        refresh.join();

        assertThat(status.current().pause().paused()).isTrue();
        assertThat(status.current().pause().reason()).contains("under attack");
        assertThat(status.current().height()).isPresent();
    }
}
