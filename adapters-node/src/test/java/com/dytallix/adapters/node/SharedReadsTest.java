package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.sync.RawJson;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Identical reads in flight share one node call: many callers, one call; its answer, its node error or its
 * transport failure to every caller; each caller's own deadline; what must never be shared is not; the table
 * empty once the calls end.
 */
class SharedReadsTest {
    private static final int CALLERS = 24;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger submitted = new AtomicInteger();
    private final Queue<Thread> callerThreads = new ConcurrentLinkedQueue<>();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** A node call that counts itself, waits for {@link #release}, then does what {@code then} says. */
    private static final class Node {
        final AtomicInteger calls = new AtomicInteger();
        final CountDownLatch release = new CountDownLatch(1);
        final Supplier<String> then;

        Node(Supplier<String> then) {
            this.then = then;
        }

        RawJson call() {
            calls.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return RawJson.of(then.get());
        }
    }

    private List<Future<String>> callers(SharedReads shared, String method, String params, Node node, int n) {
        List<Future<String>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(submit(() -> shared.read(method, params, node::call)));
        }
        return out;
    }

    /** A caller on a thread of its own, which {@link #awaitParked()} watches. */
    private Future<String> submit(Callable<RawJson> caller) {
        submitted.incrementAndGet();
        return threads.submit(() -> {
            callerThreads.add(Thread.currentThread());
            return caller.call().text();
        });
    }

    /**
     * Waits (at most 10 s) until every caller submitted so far has started and is parked or done: waiting for the node
     * (a call it leads) or for a call in flight (one it joined). Waiting for that state rather than a fixed time: a
     * loaded machine may start a caller late, which would then arrive after the release and make a call of its own.
     */
    private void awaitParked() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            if (callerThreads.size() == submitted.get() && callerThreads.stream().allMatch(t -> t.getState() == Thread.State.WAITING
                    || t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.TERMINATED)) {
                return;
            }
            Thread.sleep(1);
        }
    }

    /** Waits until the first caller's call is on its way and all the others have joined it. */
    private void awaitInFlight(Node node, SharedReads shared) throws InterruptedException {
        awaitCalls(node.calls, 1, shared);
        awaitParked();
    }

    /** Waits (at most 10 s) until the node has been called {@code atLeast} times and a call is in flight. */
    private static void awaitCalls(AtomicInteger calls, int atLeast, SharedReads shared) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((calls.get() < atLeast || shared.inFlight() == 0) && System.nanoTime() < until) {
            Thread.sleep(1);
        }
    }

    @Test
    void manyCallersOfOneReadMakeOneNodeCallAndAllGetItsAnswer() throws Exception {
        SharedReads shared = new SharedReads(true, Duration.ofSeconds(30));
        Node node = new Node(() -> "\"0x2a\"");
        List<Future<String>> answers = callers(shared, "eth_getBalance", "[\"0x00000000000000000000000000000000000000aa\",\"latest\"]", node, CALLERS);
        awaitInFlight(node, shared);
        node.release.countDown();
        for (Future<String> a : answers) {
            assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo("\"0x2a\"");
        }
        assertThat(node.calls.get()).isEqualTo(1);
        assertThat(shared.joined("eth_getBalance")).isEqualTo(CALLERS - 1);
        assertThat(shared.inFlight()).isZero();
    }

    @Test
    void differentParamsOrMethodsAreDifferentCalls() throws Exception {
        SharedReads shared = new SharedReads(true, Duration.ofSeconds(30));
        Node node = new Node(() -> "\"0x1\"");
        List<Future<String>> answers = new ArrayList<>();
        answers.addAll(callers(shared, "eth_getBalance", "[\"0x00000000000000000000000000000000000000aa\",\"latest\"]", node, 3));
        answers.addAll(callers(shared, "eth_getBalance", "[\"0x00000000000000000000000000000000000000bb\",\"latest\"]", node, 3));
        answers.addAll(callers(shared, "eth_getTransactionCount", "[\"0x00000000000000000000000000000000000000aa\",\"latest\"]", node, 3));
        awaitInFlight(node, shared);
        node.release.countDown();
        for (Future<String> a : answers) {
            a.get(10, TimeUnit.SECONDS);
        }
        assertThat(node.calls.get()).isEqualTo(3);
        assertThat(shared.inFlight()).isZero();
    }

    @Test
    void aNodeErrorObjectReachesEveryCallerWhole() throws Exception {
        SharedReads shared = new SharedReads(true, Duration.ofSeconds(30));
        NodeException revert = new NodeException(NodeFailure.RPC_ERROR, "execution reverted: no", 3, "\"0x08c379a0\"", null);
        Node node = new Node(() -> {
            throw revert;
        });
        List<Future<String>> answers = callers(shared, "eth_call", "[{\"to\":\"0x00000000000000000000000000000000000000aa\"},\"latest\"]", node, CALLERS);
        awaitInFlight(node, shared);
        node.release.countDown();
        for (Future<String> a : answers) {
            assertThatThrownBy(() -> a.get(10, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(NodeException.class, e -> {
                assertThat(e.failure()).isEqualTo(NodeFailure.RPC_ERROR);
                assertThat(e.getMessage()).isEqualTo("execution reverted: no");
                assertThat(e.rpcCode()).contains(3);
                assertThat(e.rpcDataJson()).contains("\"0x08c379a0\"");
            });
        }
        assertThat(node.calls.get()).isEqualTo(1);
        assertThat(shared.inFlight()).isZero();
    }

    /**
     * A node call whose first try waits for {@code first} and fails for a transport reason, and whose later tries
     * wait for {@code later} and then do what {@code then} says.
     */
    private final class FailingOnce {
        final AtomicInteger calls = new AtomicInteger();
        final CountDownLatch first = new CountDownLatch(1);
        final CountDownLatch later = new CountDownLatch(1);
        final Supplier<String> then;

        FailingOnce(Supplier<String> then) {
            this.then = then;
        }

        RawJson call() {
            boolean isFirst = calls.incrementAndGet() == 1;
            try {
                (isFirst ? first : later).await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            if (isFirst) {
                throw new NodeException(NodeFailure.UNREACHABLE, "connection reset");
            }
            return RawJson.of(then.get());
        }

        /** Lets the first try fail, then holds the next until every joiner of the failed one could have joined it. */
        void failFirstThenRelease(SharedReads shared) throws InterruptedException {
            first.countDown();
            awaitCalls(calls, 2, shared);
            awaitParked(); // the other joiners of the failed call have joined the second try
            later.countDown();
        }
    }

    private List<Future<String>> joinersOf(SharedReads shared, String method, FailingOnce node, int n) {
        List<Future<String>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(submit(() -> shared.read(method, "[]", node::call)));
        }
        return out;
    }

    @Test
    void whenTheJoinedCallFailsForATransportReasonItsJoinersTryOnceMoreTogether() throws Exception {
        SharedReads shared = new SharedReads(true, Duration.ofSeconds(30));
        FailingOnce node = new FailingOnce(() -> "\"0x10\"");
        Future<String> first = submit(() -> shared.read("eth_blockNumber", "[]", node::call));
        awaitCalls(node.calls, 1, shared);
        List<Future<String>> joiners = joinersOf(shared, "eth_blockNumber", node, CALLERS - 1);
        awaitParked(); // they join
        node.failFirstThenRelease(shared);
        assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).as("the call that failed is not tried again by its own caller "
                        + "(UpstreamSet's failover already ran in it)")
                .cause().isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.failure()).isEqualTo(NodeFailure.UNREACHABLE));
        for (Future<String> j : joiners) {
            assertThat(j.get(10, TimeUnit.SECONDS)).isEqualTo("\"0x10\"");
        }
        assertThat(node.calls.get()).as("the failed call, then one more try for all its joiners").isEqualTo(2);
        assertThat(shared.joined("eth_blockNumber")).as("the joiners of the second try").isEqualTo(CALLERS - 2);
        assertThat(shared.inFlight()).isZero();
    }

    @Test
    void aTransportFailureOfTheSecondTryReachesEveryCallerWithoutAThird() throws Exception {
        SharedReads shared = new SharedReads(true, Duration.ofSeconds(30));
        FailingOnce node = new FailingOnce(() -> {
            throw new NodeException(NodeFailure.UNREACHABLE, "connection refused");
        });
        List<Future<String>> answers = joinersOf(shared, "eth_blockNumber", node, CALLERS);
        awaitCalls(node.calls, 1, shared);
        awaitParked(); // the others join
        node.failFirstThenRelease(shared);
        for (Future<String> a : answers) {
            assertThatThrownBy(() -> a.get(10, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(NodeException.class,
                    e -> assertThat(e.failure()).isEqualTo(NodeFailure.UNREACHABLE));
        }
        assertThat(node.calls.get()).isEqualTo(2);
        assertThat(shared.inFlight()).isZero();
    }

    @Test
    void aJoinerWithNoTimeLeftDoesNotTryAgain() throws Exception {
        AtomicLong now = new AtomicLong(0);
        SharedReads shared = new SharedReads(true, Duration.ofSeconds(30), Duration.ofSeconds(3), now::get);
        FailingOnce node = new FailingOnce(() -> "\"0x10\"");
        Future<String> first = submit(() -> shared.read("eth_gasPrice", "[]", node::call));
        awaitCalls(node.calls, 1, shared);
        Future<String> joiner = submit(() -> shared.read("eth_gasPrice", "[]", node::call));
        awaitParked(); // it joins
        now.set(TimeUnit.SECONDS.toNanos(31)); // the joined call failed at the joiner's deadline
        node.first.countDown();
        assertThatThrownBy(() -> joiner.get(10, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(NodeException.class,
                e -> assertThat(e.failure()).isEqualTo(NodeFailure.UNREACHABLE));
        assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(NodeException.class);
        assertThat(node.calls.get()).isEqualTo(1);
    }

    @Test
    void aJoinerWhoseDeadlinePassesGetsItsTimeoutWhileTheCallGoesOnForTheOthers() throws Exception {
        // a node call that takes longer than NODE_TIMEOUT_MS and does not stop itself (as a stuck socket would, were it not for its own deadline)
        SharedReads shared = new SharedReads(true, Duration.ofMillis(300), Duration.ofSeconds(30), System::nanoTime);
        Node node = new Node(() -> "\"0x7\"");
        Future<String> first = submit(() -> shared.read("eth_gasPrice", "[]", node::call));
        awaitInFlight(node, shared);
        long start = System.nanoTime();
        List<Future<String>> joiners = callers(shared, "eth_gasPrice", "[]", node, 5);
        for (Future<String> j : joiners) {
            assertThatThrownBy(() -> j.get(10, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(NodeException.class,
                    e -> assertThat(e.failure()).isEqualTo(NodeFailure.TIMEOUT));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(first.isDone()).as("the call itself goes on").isFalse();
        assertThat(shared.inFlight()).isEqualTo(1);
        node.release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("\"0x7\"");
        assertThat(node.calls.get()).isEqualTo(1);
        assertThat(shared.inFlight()).isZero();
    }

    @Test
    void whenTheJoinedCallTimesOutAJoinerWithTimeLeftMakesItsOwnCall() throws Exception {
        SharedReads shared = new SharedReads(true, Duration.ofSeconds(30));
        AtomicInteger n = new AtomicInteger();
        Node node = new Node(() -> {
            if (n.incrementAndGet() == 1) {
                throw new NodeException(NodeFailure.TIMEOUT, "node did not answer eth_blockNumber within 3000 ms");
            }
            return "\"0x10\"";
        });
        List<Future<String>> answers = callers(shared, "eth_blockNumber", "[]", node, 4);
        awaitInFlight(node, shared);
        node.release.countDown();
        int timedOut = 0;
        for (Future<String> a : answers) {
            try {
                assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo("\"0x10\"");
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(NodeException.class);
                timedOut++;
            }
        }
        assertThat(timedOut).as("only the call that timed out itself").isEqualTo(1);
        assertThat(node.calls.get()).as("the timed-out call, then each joiner's own").isEqualTo(4);
        assertThat(shared.inFlight()).isZero();
    }

    @Test
    void aCallInFlightForTooLongIsNotJoinedTheNewcomerLeadsAnotherThatLaterArrivalsJoin() throws Exception {
        AtomicLong now = new AtomicLong(0);
        SharedReads shared = new SharedReads(true, Duration.ofSeconds(30), Duration.ofMillis(100), now::get);
        Node slow = new Node(() -> "\"old\"");
        Future<String> first = submit(() -> shared.read("eth_blockNumber", "[]", slow::call));
        awaitInFlight(slow, shared);
        now.set(TimeUnit.MILLISECONDS.toNanos(150)); // the first call is 150 ms old
        Node fresh = new Node(() -> "\"new\"");
        List<Future<String>> later = callers(shared, "eth_blockNumber", "[]", fresh, 5);
        awaitInFlight(fresh, shared);
        fresh.release.countDown();
        for (Future<String> a : later) {
            assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo("\"new\"");
        }
        assertThat(fresh.calls.get()).isEqualTo(1);
        slow.release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("\"old\"");
        assertThat(shared.inFlight()).isZero();
    }

    @Test
    void aReadSentBeforeATransactionIsNotJoinedAfterIt() throws Exception {
        SharedReads shared = new SharedReads(true, Duration.ofSeconds(30));
        String params = "[\"0x00000000000000000000000000000000000000aa\",\"pending\"]";
        Node before = new Node(() -> "\"0x1\"");
        Future<String> first = submit(() -> shared.read("eth_getTransactionCount", params, before::call));
        awaitInFlight(before, shared);
        shared.wrote();
        Node after = new Node(() -> "\"0x2\"");
        Future<String> second = submit(() -> shared.read("eth_getTransactionCount", params, after::call));
        awaitInFlight(after, shared);
        after.release.countDown();
        before.release.countDown();
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("\"0x2\"");
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("\"0x1\"");
        assertThat(before.calls.get() + after.calls.get()).isEqualTo(2);
        assertThat(shared.inFlight()).isZero();
    }

    @Test
    void sendsFiltersLocalAnswersAndLargeParamsAreNeverShared() throws Exception {
        SharedReads shared = new SharedReads(true, Duration.ofSeconds(30));
        String large = "[{\"to\":\"0x00000000000000000000000000000000000000aa\",\"data\":\"0x" + "00".repeat(SharedReads.MAX_KEY_CHARS) + "\"},\"latest\"]";
        String[][] calls = {{"eth_sendRawTransaction", "[\"0x02f8\"]"}, {"eth_getFilterChanges", "[\"0x1\"]"},
                {"eth_getFilterLogs", "[\"0x1\"]"}, {"eth_newBlockFilter", "[]"}, {"eth_newFilter", "[{}]"}, {"eth_uninstallFilter", "[\"0x1\"]"},
                {"eth_subscribe", "[\"newHeads\"]"}, {"eth_chainId", "[]"}, {"net_version", "[]"}, {"eth_accounts", "[]"}, {"eth_call", large}};
        for (String[] call : calls) {
            assertThat(callsOfFourAtOnce(shared, call[0], call[1])).as(call[0]).isEqualTo(4);
        }
        assertThat(shared.inFlight()).isZero();
    }

    @Test
    void offEveryCallIsItsOwn() throws Exception {
        SharedReads shared = new SharedReads(false, Duration.ofSeconds(30));
        assertThat(callsOfFourAtOnce(shared, "eth_blockNumber", "[]")).isEqualTo(4);
    }

    /** Four callers of one read at once, the node held until each has called it or 10 s passed: the node calls made. */
    private int callsOfFourAtOnce(SharedReads shared, String method, String params) throws Exception {
        Node node = new Node(() -> "\"x\"");
        List<Future<String>> answers = callers(shared, method, params, node, 4);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (node.calls.get() < 4 && System.nanoTime() < until) {
            Thread.sleep(1);
        }
        node.release.countDown();
        for (Future<String> a : answers) {
            a.get(10, TimeUnit.SECONDS);
        }
        return node.calls.get();
    }
}
