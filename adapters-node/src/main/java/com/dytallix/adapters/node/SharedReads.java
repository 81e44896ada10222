package com.dytallix.adapters.node;

import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.sync.RawJson;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Identical relayed reads in flight at once share one node call (RPC_SHARE_INFLIGHT): a read that
 * arrives while the same method with the same params (the text the relay's own checks passed on to
 * the node) is already on its way waits for that call's answer instead of sending its own.
 *
 * <p>What holds:
 * <ul>
 * <li><b>Only reads whose answer depends on nothing but the chain and the params</b>: the allow-list
 * {@link #METHODS} (an allow-list, so a method added to RPC_ALLOWED_METHODS later is never shared by
 * accident). Never {@code eth_sendRawTransaction} (a write), the filter methods
 * ({@code eth_getFilterChanges} consumes the changes of each call; a new filter is the caller's own),
 * {@code eth_subscribe}/{@code eth_unsubscribe} (the WebSocket's, never relayed), nor what the relay
 * answers itself ({@code eth_chainId}, {@code net_version}, {@code eth_accounts}).</li>
 * <li><b>Each caller its own answer</b>: the shared value is the node's {@code result} bytes, which
 * every caller then wraps with its own id, as a call of its own would be; a node error object reaches
 * every caller that joined, as it reached the call (a transport failure: below).</li>
 * <li><b>Each caller its own deadline</b>, NODE_TIMEOUT_MS from its own arrival: a joiner whose time
 * runs out gets its timeout while the call goes on for the others (its wait is untimed, ended by
 * {@link NodeDeadlines}' sweeper, so at most its tick late, as a node exchange). A call in flight for more than a
 * tenth of NODE_TIMEOUT_MS is not joined (the node is slow on it, and a joiner would share its
 * fate): the newcomer sends its own, and later arrivals join that one. When the joined call times
 * out at its own deadline, a joiner with time left sends its own call for what is left of its time; when
 * it fails for another transport reason (refused, reset, an answer that is not JSON-RPC, the node's rate
 * limit), a joiner with time left tries once more, routed afresh (so on another node when there are
 * several), and the joiners of the failed call share that try.</li>
 * <li><b>Freshness</b>: the node computes a joined answer after the joined call was sent, which is
 * before the joiner arrived: the answer is at most one in-flight call older than a call of its own
 * would have been (with several nodes, reads on different nodes already differ by more). A read is
 * never joined across a transaction sent through this server ({@link #wrote()}): a client that sent a
 * transaction and then asks for its pending nonce, a receipt or a {@code pending} call sees it.
 * {@code eth_blockNumber}'s never-backwards rule is applied by the caller to each delivered answer.</li>
 * <li><b>Bounded memory</b>: the table holds only calls in flight (removed when they end, answered,
 * failed or timed out, before their callers are told); params longer than {@link #MAX_KEY_CHARS}
 * are never keys, so those calls are not shared.</li>
 * </ul>
 */
public final class SharedReads {
    /**
     * The reads that may be shared: each answer is a function of the chain's state and the params alone,
     * the same for whoever asks.
     */
    public static final Set<String> METHODS = Set.of(
            "eth_blockNumber", "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_blobBaseFee", "eth_feeHistory", "eth_syncing",
            "eth_getBalance", "eth_getTransactionCount", "eth_getCode", "eth_getStorageAt", "eth_getProof",
            "eth_call", "eth_estimateGas", "eth_createAccessList",
            "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getBlockReceipts",
            "eth_getBlockTransactionCountByNumber", "eth_getBlockTransactionCountByHash",
            "eth_getTransactionByHash", "eth_getTransactionByBlockHashAndIndex", "eth_getTransactionByBlockNumberAndIndex",
            "eth_getTransactionReceipt", "eth_getLogs",
            "eth_getUncleCountByBlockNumber", "eth_getUncleCountByBlockHash",
            "eth_getUncleByBlockNumberAndIndex", "eth_getUncleByBlockHashAndIndex",
            "net_listening", "net_peerCount", "web3_clientVersion", "eth_protocolVersion");
    /** Params longer than this (an eth_call with a large calldata) are not keys: their calls go alone. */
    public static final int MAX_KEY_CHARS = 1024;

    private final boolean enabled;
    private final long timeoutNanos;
    private final long maxJoinAgeNanos;
    private final LongSupplier nanoTime;
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> joined = new ConcurrentHashMap<>();
    /** Transactions sent through this server: a read sent before one is not joined after it. */
    private final AtomicLong writes = new AtomicLong();

    /**
     * @param enabled RPC_SHARE_INFLIGHT
     * @param timeout NODE_TIMEOUT_MS: each caller's own deadline
     */
    public SharedReads(boolean enabled, Duration timeout) {
        this(enabled, timeout, timeout.dividedBy(10), System::nanoTime);
    }

    SharedReads(boolean enabled, Duration timeout, Duration maxJoinAge, LongSupplier nanoTime) {
        this.enabled = enabled;
        this.timeoutNanos = timeout.toNanos();
        this.maxJoinAgeNanos = maxJoinAge.toNanos();
        this.nanoTime = nanoTime;
        METHODS.forEach(m -> joined.put(m, new LongAdder()));
    }

    /** No sharing: every call its own (tests, and RPC_SHARE_INFLIGHT=false). */
    public static SharedReads off() {
        return new SharedReads(false, Duration.ofSeconds(1));
    }

    public boolean enabled() {
        return enabled;
    }

    /** Calls of {@code method} answered by joining a call in flight, since start. */
    public long joined(String method) {
        LongAdder n = joined.get(method);
        return n == null ? 0 : n.sum();
    }

    /** Calls in flight that may be joined now (0 when nothing is in flight). */
    int inFlight() {
        return inFlight.size();
    }

    /** A transaction was sent (or its send ended in a failure): reads in flight now are not joined any more. */
    void wrote() {
        writes.incrementAndGet();
    }

    /** One call in flight: its answer, when it was sent, and how many transactions had been sent then. */
    private record InFlight(CompletableFuture<RawJson> answer, long sentAt, long writes) {
    }

    /**
     * The answer of {@code call}, or of an identical call in flight.
     *
     * @param paramsJson the params as the node gets them
     * @param call       the node call, with NODE_TIMEOUT_MS from now (or a shorter {@link CallDeadline})
     * @return the node's {@code result} as it wrote it
     */
    RawJson read(String method, String paramsJson, Supplier<RawJson> call) {
        if (!enabled || paramsJson.length() > MAX_KEY_CHARS || !METHODS.contains(method)) {
            return call.get();
        }
        // a method name holds no '(': the key is unambiguous
        return read(method, method + '(' + paramsJson, nanoTime.getAsLong(), writes.get(), true, call);
    }

    /**
     * @param arrival  when the caller arrived: its deadline is NODE_TIMEOUT_MS after it
     * @param epoch    the transactions sent before the caller arrived
     * @param mayRetry false for a joiner's second try: it gets that try's outcome, whatever it is
     */
    private RawJson read(String method, String key, long arrival, long epoch, boolean mayRetry, Supplier<RawJson> call) {
        InFlight mine = new InFlight(new CompletableFuture<>(), mayRetry ? arrival : nanoTime.getAsLong(), epoch);
        while (true) {
            InFlight there = inFlight.putIfAbsent(key, mine);
            if (there == null) {
                return lead(key, mine, call);
            }
            if (there.writes() >= epoch && arrival - there.sentAt() < maxJoinAgeNanos) {
                return join(method, key, there, arrival, epoch, mayRetry, call);
            }
            // too old to join, or sent before a transaction this caller may have sent: a call of its own, which later arrivals join
            if (inFlight.replace(key, there, mine)) {
                return lead(key, mine, call);
            }
        }
    }

    private RawJson lead(String key, InFlight mine, Supplier<RawJson> call) {
        RawJson answer;
        try {
            answer = call.get();
        } catch (RuntimeException | Error e) {
            inFlight.remove(key, mine); // out of the table before anyone is told: nobody joins a call that has ended
            mine.answer().completeExceptionally(e);
            throw e;
        }
        inFlight.remove(key, mine);
        mine.answer().complete(answer);
        return answer;
    }

    private RawJson join(String method, String key, InFlight there, long arrival, long epoch, boolean mayRetry, Supplier<RawJson> call) {
        long deadline = arrival + timeoutNanos;
        long left = deadline - nanoTime.getAsLong();
        if (left <= 0) {
            throw timeout(method);
        }
        // an untimed wait, ended at the deadline by NodeDeadlines' sweeper: a timed park on a virtual thread schedules and
        // cancels a timer task with the JDK's delay scheduler, which cost about a sixth of a joined call's CPU
        Wait wait = new Wait(there.answer());
        NodeDeadlines.SHARED.watch(wait, System.nanoTime() + left);
        Throwable cause;
        try {
            RawJson answer = wait.own.get();
            joined.get(method).increment();
            return answer;
        } catch (ExecutionException e) {
            cause = e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(NodeFailure.UNREACHABLE, "interrupted while waiting for the node's answer to " + method);
        } finally {
            NodeDeadlines.SHARED.unwatch(wait);
        }
        if (cause instanceof Expired) {
            throw timeout(method);
        }
        if (cause instanceof NodeException n && n.failure() == NodeFailure.TIMEOUT && deadline - nanoTime.getAsLong() > 0) {
            // the joined call ran out of its own time, this caller has some left: what a call of its own would have had
            return CallDeadline.within(deadline, call);
        }
        if (mayRetry && cause instanceof NodeException n && n.failure().isTransient() && deadline - nanoTime.getAsLong() > 0) {
            // the joined call failed for a transport reason on every node it tried, which a call of this caller's own would
            // have met too, but it would have gone on trying within its own time: one more routed try (on the nodes healthy
            // now), which the other joiners of the failed call share, as they shared it
            return CallDeadline.within(deadline, () -> read(method, key, arrival, epoch, false, call));
        }
        joined.get(method).increment();
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        throw new IllegalStateException("the shared node call failed", cause);
    }

    private NodeException timeout(String method) {
        return new NodeException(NodeFailure.TIMEOUT, "the node did not answer " + method + " within "
                + Duration.ofNanos(timeoutNanos).toMillis() + " ms (waiting for the same call in flight)");
    }

    /** A joiner's wait: its own copy of the shared answer, which its deadline may end first (untimed, so no timer task). */
    private static final class Wait extends NodeDeadlines.Watched {
        final CompletableFuture<RawJson> own;

        Wait(CompletableFuture<RawJson> shared) {
            this.own = shared.copy();
        }

        @Override
        void expire() {
            own.completeExceptionally(Expired.INSTANCE);
        }
    }

    /** The joiner's own deadline passed (never thrown out of this class; no stack). */
    private static final class Expired extends RuntimeException {
        static final Expired INSTANCE = new Expired();

        private Expired() {
            super("the joiner's deadline passed", null, false, false);
        }
    }
}
