package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.UpstreamHealth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link SharedReads} in front of two real anvil processes: a shared read whose node dies while others
 * wait for its answer. The stub nodes of {@link SharedReadsTest} show the rule; this shows it with real
 * connections, a real crash and the set's own routing deciding where the joiners' one more try goes.
 */
class SharedReadsTwoNodesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(4);
    private static final int JOINERS = 8;
    /** An account with no history, given a balance of its own on each node: the answer names its node. */
    private static final String MARKED = "0x00000000000000000000000000000000000000a5";
    private static final String PARAMS = "[\"" + MARKED + "\",\"latest\"]";

    private record Outcome(String answer, NodeException failure, long tookNanos) {
    }

    @Test
    void joinersOfACallWhoseNodeDiesGetTheOtherNodesAnswerWithinTheirDeadline() throws Exception {
        try (AnvilProcess a = AnvilProcess.withoutMining(); AnvilProcess b = AnvilProcess.withoutMining();
             TcpProxy toA = new TcpProxy(a.rpcUrl())) {
            // a ahead by ten blocks, so b is behind (lagging) at the health check: a read in flight goes to a alone
            assertThat(a.rpc("anvil_mine", "[\"0xa\"]")).contains("\"result\"");
            assertThat(a.rpc("anvil_setBalance", "[\"" + MARKED + "\",\"0xaaaa\"]")).contains("\"result\"");
            assertThat(b.rpc("anvil_setBalance", "[\"" + MARKED + "\",\"0xbbbb\"]")).contains("\"result\"");
            // joined up to half the timeout old (a tenth unless told): a joiner a loaded machine starts late still joins
            SharedReads shared = new SharedReads(true, TIMEOUT, TIMEOUT.dividedBy(2), System::nanoTime);
            try (UpstreamSet set = new UpstreamSet(List.of(new JsonRpcChainNode(toA.url(), TIMEOUT, 16),
                    new JsonRpcChainNode(b.rpcUrl(), TIMEOUT, 16)), Optional.of(AnvilProcess.CHAIN_ID), 2, 10_000, TIMEOUT, shared)) {
                set.checkHealth();
                assertThat(set.upstreams().get(0).state()).isEqualTo(UpstreamHealth.State.OK);
                assertThat(set.upstreams().get(1).state()).isEqualTo(UpstreamHealth.State.LAGGING);
                assertThat(set.call("eth_getBalance", PARAMS).text()).isEqualTo("\"0xaaaa\"");
                long bAnswered = set.upstreams().get(1).okRequests();

                // the call to a hangs (the endpoint takes the request in and never passes it on); others join it
                toA.hold();
                ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
                Future<Outcome> leader = callers.submit(() -> call(set));
                awaitHeld(toA);
                List<Future<Outcome>> joiners = new ArrayList<>();
                Queue<Thread> joinerThreads = new ConcurrentLinkedQueue<>();
                for (int i = 0; i < JOINERS; i++) {
                    joiners.add(callers.submit(() -> {
                        joinerThreads.add(Thread.currentThread());
                        return call(set);
                    }));
                }
                awaitParked(joinerThreads, JOINERS); // each waits for the leader's answer, or for an answer of its own
                assertThat(toA.held()).as("the joiners sent nothing of their own").isEqualTo(1);
                assertThat(shared.inFlight()).isEqualTo(1);

                // a crashes: its endpoint vanishes (open connections reset, new ones refused) and its process ends
                toA.kill();
                a.close();

                // the leader's own routing had a alone (b lagging): it fails, at once
                Outcome led = leader.get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
                assertThat(led.failure()).as("the leader's call, on a alone").isNotNull();
                assertThat(led.failure().failure().isTransient()).isTrue();
                // each joiner, with time left, tries once more on the nodes there are now: b's answer, within its deadline
                for (Future<Outcome> joiner : joiners) {
                    Outcome o = joiner.get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
                    assertThat(o.failure()).withFailMessage("a joiner failed: %s", o.failure()).isNull();
                    assertThat(o.answer()).isEqualTo("\"0xbbbb\"");
                    assertThat(o.tookNanos()).as("a joiner's wait").isLessThan(TIMEOUT.toNanos());
                }
                callers.shutdown();
                assertThat(callers.awaitTermination(1, TimeUnit.SECONDS)).isTrue();
                assertThat(set.upstreams().get(0).state()).isEqualTo(UpstreamHealth.State.DOWN);
                // the joiners' tries went to b, sharing one another's where they met: at most one each
                long bCalls = set.upstreams().get(1).okRequests() - bAnswered;
                assertThat(bCalls).isBetween(1L, (long) JOINERS);
                assertThat(shared.joined("eth_getBalance")).as("joiners answered by another's try").isEqualTo(JOINERS - bCalls);
                assertThat(shared.inFlight()).isZero();
            }
        }
    }

    private static Outcome call(UpstreamSet set) {
        long start = System.nanoTime();
        try {
            return new Outcome(set.call("eth_getBalance", PARAMS).text(), null, System.nanoTime() - start);
        } catch (NodeException e) {
            return new Outcome(null, e, System.nanoTime() - start);
        }
    }

    /** Waits (at most 10 s) until {@code n} threads have started and each is parked. */
    private static void awaitParked(Queue<Thread> threads, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (threads.size() < n || !threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING
                || t.getState() == Thread.State.TIMED_WAITING)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the joiners did not all wait within 10 s");
            }
            Thread.sleep(2);
        }
    }

    private static void awaitHeld(TcpProxy proxy) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (proxy.held() == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the leader's call never reached the node's endpoint");
            }
            Thread.sleep(2);
        }
    }
}
