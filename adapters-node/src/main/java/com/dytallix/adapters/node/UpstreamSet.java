package com.dytallix.adapters.node;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.FeeSuggestion;
import com.dytallix.domain.sync.BlockHead;
import com.dytallix.domain.sync.ChainReads;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.sync.RawJson;
import com.dytallix.domain.sync.NodeRelay;
import com.dytallix.domain.sync.Receipt;
import com.dytallix.domain.sync.SyncProgress;
import com.dytallix.domain.sync.UpstreamHealth;
import com.dytallix.domain.sync.UpstreamHealth.State;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * {@link ChainNode} over the nodes of RPC_URL, one node or several of one chain.
 *
 * <p>{@link #checkHealth()} (run in the background) asks every node for its chain id and head: a
 * node of another chain is never used, one that does not answer is down (a check refused for want of a
 * free slot, this server's own calls filling them, leaves the last check's verdict), one more than
 * UPSTREAM_MAX_LAG_BLOCKS behind the best head gets no reads. The relay's reads go to the healthy
 * nodes, spread by their latency; a read that fails for a transport reason (refused, reset, timeout, an
 * answer that is not JSON-RPC) is retried on the next node within the same deadline, and the node
 * is counted down until it answers a check again. A node's error object is an answer and is never
 * retried elsewhere. The faucet's and the status's {@link ChainReads} go to the healthy node with
 * the best head instead (the next best on a transport failure), and {@link #consistent()} pins a
 * pass to that one node, so a node a few blocks behind never makes a mined transaction look missing
 * or a block look reorganised away. Signed transactions go to the first healthy node in RPC_URL's
 * order and the same bytes are then broadcast to the others. Filters stay on the node that created them: with
 * several nodes a filter id carries its node's position. {@code eth_blockNumber} never goes
 * backwards, whichever node answers.
 */
public final class UpstreamSet implements ChainNode, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(UpstreamSet.class.getName());
    private static final ObjectMapper JSON = NodeJson.mapper();
    private static final Set<String> NEW_FILTER = Set.of("eth_newFilter", "eth_newBlockFilter", "eth_newPendingTransactionFilter");
    private static final Set<String> ON_FILTER = Set.of("eth_getFilterChanges", "eth_getFilterLogs", "eth_uninstallFilter");
    /** Latency below this counts as this, so one very fast node does not take every read. */
    private static final double MIN_LATENCY_MICROS = 200;

    private final List<Upstream> upstreams;
    private final Optional<Long> configuredChainId;
    private final int maxLagBlocks;
    private final Duration timeout;
    private final RelayParams params;
    private final SharedReads shared;
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong highestBlockAnswered = new AtomicLong(-1);
    private volatile Long chainId;
    private volatile long bestHead = -1;
    /** The genesis of the chain the ledger pays on, when known ({@link #followLedgerChain}). */
    private volatile Supplier<Optional<String>> ledgerGenesis = Optional::empty;

    /**
     * @param nodes             the nodes in RPC_URL's order (the first is preferred for sends)
     * @param configuredChainId CHAIN_ID; otherwise the chain of the first node that answers
     * @param maxLagBlocks      UPSTREAM_MAX_LAG_BLOCKS
     * @param maxLogsBlockRange RPC_MAX_LOGS_BLOCK_RANGE
     * @param timeout           NODE_TIMEOUT_MS: the deadline of one call, failovers included
     */
    public UpstreamSet(List<JsonRpcChainNode> nodes, Optional<Long> configuredChainId, int maxLagBlocks,
                       int maxLogsBlockRange, Duration timeout) {
        this(nodes, configuredChainId, maxLagBlocks, maxLogsBlockRange, timeout, SharedReads.off());
    }

    /**
     * @param shared identical relayed reads in flight at once share one node call (RPC_SHARE_INFLIGHT)
     */
    public UpstreamSet(List<JsonRpcChainNode> nodes, Optional<Long> configuredChainId, int maxLagBlocks,
                       int maxLogsBlockRange, Duration timeout, SharedReads shared) {
        if (nodes.isEmpty() || nodes.size() > 255 || maxLagBlocks < 0) {
            throw new IllegalArgumentException("between 1 and 255 nodes, and a lag that is not negative");
        }
        Map<String, Integer> seen = new HashMap<>();
        List<Upstream> list = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            String name = nodes.get(i).name();
            int n = seen.merge(name, 1, Integer::sum);
            list.add(new Upstream(i, nodes.get(i), n == 1 ? name : name + "#" + n));
        }
        this.upstreams = List.copyOf(list);
        this.configuredChainId = configuredChainId;
        this.chainId = configuredChainId.orElse(null);
        this.maxLagBlocks = maxLagBlocks;
        this.timeout = timeout;
        this.params = new RelayParams(JSON, maxLogsBlockRange, () -> bestHead);
        this.shared = shared;
    }

    // --- health ---

    /**
     * With several nodes, when one of the chain id has the genesis block of the chain the ledger pays on, the others
     * (a relaunch under the same chain id) are a different chain and never used, like one of another chain id: the
     * faucet's transactions would otherwise be broadcast to them too. When none has it (the whole chain was
     * relaunched) the nodes serve the relay as before, and the faucet, which compares the genesis itself, pays
     * nothing. One node is the operator's node: it always serves the relay.
     */
    public void followLedgerChain(Supplier<Optional<String>> genesis) {
        this.ledgerGenesis = genesis;
    }

    /** Asks every node at once for its chain id and head, then decides which serve. Never throws. */
    public void checkHealth() {
        List<Future<?>> probes = new ArrayList<>();
        upstreams.forEach(u -> probes.add(background.submit(() -> probe(u))));
        for (Future<?> probe : probes) {
            try {
                probe.get();
            } catch (ExecutionException e) {
                LOG.log(System.Logger.Level.WARNING, "node check failed: " + e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (chainId == null) {
            chainId = upstreams.stream().filter(u -> u.probed).findFirst().map(u -> u.reportedChainId).orElse(null);
        }
        Long expected = chainId;
        String genesis = upstreams.size() == 1 ? null : expectedGenesis(expected);
        long best = upstreams.stream().filter(u -> u.probed && expected != null && u.reportedChainId == expected
                        && (genesis == null || genesis.equals(u.genesis)))
                .mapToLong(u -> u.head).max().orElse(-1);
        if (best >= 0) {
            bestHead = best;
        }
        for (Upstream u : upstreams) {
            if (!u.probed) {
                u.become(State.DOWN, u.probeProblem);
            } else if (expected == null || u.reportedChainId != expected) {
                u.become(State.WRONG_CHAIN, "reports chain id " + u.reportedChainId + ", not " + expected + ": never used");
            } else if (genesis != null && !genesis.equals(u.genesis)) {
                u.become(State.WRONG_CHAIN, "its genesis block " + u.genesis + " is not the chain's, " + genesis
                        + " (the chain was relaunched under the same chain id?): never used");
            } else {
                u.lag = Math.max(0, best - u.head);
                u.become(u.lag > maxLagBlocks ? State.LAGGING : State.OK, u.lag > maxLagBlocks
                        ? u.lag + " blocks behind the best head (UPSTREAM_MAX_LAG_BLOCKS " + maxLagBlocks + "): no reads" : null);
            }
        }
    }

    /**
     * The genesis the nodes of chain {@code expected} must have: the ledger's, when a node of the chain has it; null
     * (no such rule) otherwise.
     */
    private String expectedGenesis(Long expected) {
        Optional<String> ledger = ledgerGenesis.get();
        return ledger.filter(g -> upstreams.stream()
                .anyMatch(u -> u.probed && expected != null && u.reportedChainId == expected && g.equals(u.genesis))).orElse(null);
    }

    private void probe(Upstream u) {
        long start = System.nanoTime();
        try {
            long id = u.node.chainId();
            BlockHead head = u.node.head();
            if (upstreams.size() > 1) {
                // a live node's genesis never changes, but a node relaunched behind the same URL has a new one
                u.genesis = u.node.blockHash(0).map(h -> h.toLowerCase(java.util.Locale.ROOT)).orElse(null);
            }
            u.reportedChainId = id;
            u.head = head.number();
            u.probed = true;
            u.measured(System.nanoTime() - start);
        } catch (NodeException e) {
            if (e.failure() == NodeFailure.OVERLOADED && u.probed) {
                // this server's own calls fill the node's slots: nothing learned about the node, the last check stands
                // (counted down, one node under load made readiness fail and the instance leave its balancer)
                return;
            }
            u.probed = false;
            u.probeProblem = e.failure().name().toLowerCase(java.util.Locale.ROOT) + ": " + e.getMessage();
        }
    }

    @Override
    public List<UpstreamHealth> upstreams() {
        return upstreams.stream().map(Upstream::health).toList();
    }

    // --- chain reads: the node with the best head first ---

    @Override
    public long chainId() {
        List<Upstream> order = freshestFirst();
        if (order.isEmpty()) {
            // no node of the chain answers: say what the others report, so a wrong CHAIN_ID is named at start
            Optional<Upstream> other = upstreams.stream().filter(u -> u.probed).findFirst();
            if (other.isPresent()) {
                return other.get().reportedChainId;
            }
        }
        return read("eth_chainId", order, JsonRpcChainNode::chainId).value();
    }

    @Override
    public BlockHead head() {
        return head(freshestFirst());
    }

    private BlockHead head(List<Upstream> order) {
        Answered<BlockHead> answered = read("eth_getBlockByNumber", order, JsonRpcChainNode::head);
        answered.by().sawHead(answered.value().number());
        return answered.value();
    }

    @Override
    public Optional<SyncProgress> syncing() {
        return read("eth_syncing", freshestFirst(), JsonRpcChainNode::syncing).value();
    }

    @Override
    public List<Duration> recentBlockIntervals(int blocks) {
        return read("eth_getBlockByNumber", freshestFirst(), n -> n.recentBlockIntervals(blocks)).value();
    }

    @Override
    public Wei balance(Address address) {
        return read("eth_getBalance", freshestFirst(), n -> n.balance(address)).value();
    }

    @Override
    public long minedNonce(Address address) {
        return read("eth_getTransactionCount", freshestFirst(), n -> n.minedNonce(address)).value();
    }

    @Override
    public FeeSuggestion fees() {
        return read("eth_gasPrice", freshestFirst(), JsonRpcChainNode::fees).value();
    }

    @Override
    public Optional<Receipt> receipt(TxHash hash) {
        return read("eth_getTransactionReceipt", freshestFirst(), n -> n.receipt(hash)).value();
    }

    @Override
    public Optional<List<Receipt>> blockReceipts(long number) {
        return read("eth_getBlockReceipts", freshestFirst(), n -> n.blockReceipts(number)).value();
    }

    @Override
    public Optional<String> blockHash(long number) {
        return read("eth_getBlockByNumber", freshestFirst(), n -> n.blockHash(number)).value();
    }

    @Override
    public ChainReads consistent() {
        List<Upstream> order = freshestFirst();
        if (order.isEmpty()) {
            throw new NodeException(NodeFailure.UNREACHABLE, "no node can serve chain reads (" + summary() + ")");
        }
        return new OneNode(order.getFirst());
    }

    /** Every chain read from one node, the freshest when the view was made; no failover. */
    private final class OneNode implements ChainReads {
        private final List<Upstream> only;

        OneNode(Upstream node) {
            this.only = List.of(node);
        }

        @Override
        public long chainId() {
            return read("eth_chainId", only, JsonRpcChainNode::chainId).value();
        }

        @Override
        public BlockHead head() {
            return UpstreamSet.this.head(only);
        }

        @Override
        public Optional<SyncProgress> syncing() {
            return read("eth_syncing", only, JsonRpcChainNode::syncing).value();
        }

        @Override
        public List<Duration> recentBlockIntervals(int blocks) {
            return read("eth_getBlockByNumber", only, n -> n.recentBlockIntervals(blocks)).value();
        }

        @Override
        public Wei balance(Address address) {
            return read("eth_getBalance", only, n -> n.balance(address)).value();
        }

        @Override
        public long minedNonce(Address address) {
            return read("eth_getTransactionCount", only, n -> n.minedNonce(address)).value();
        }

        @Override
        public FeeSuggestion fees() {
            return read("eth_gasPrice", only, JsonRpcChainNode::fees).value();
        }

        @Override
        public Optional<Receipt> receipt(TxHash hash) {
            return read("eth_getTransactionReceipt", only, n -> n.receipt(hash)).value();
        }

        @Override
        public Optional<List<Receipt>> blockReceipts(long number) {
            return read("eth_getBlockReceipts", only, n -> n.blockReceipts(number)).value();
        }

        @Override
        public Optional<String> blockHash(long number) {
            return read("eth_getBlockByNumber", only, n -> n.blockHash(number)).value();
        }

        @Override
        public ChainReads consistent() {
            return this;
        }

        @Override
        public List<UpstreamHealth> upstreams() {
            return UpstreamSet.this.upstreams();
        }

        @Override
        public String toString() {
            return "UpstreamSet.consistent[" + only.getFirst().name + "]";
        }
    }

    // --- sends ---

    @Override
    public long pendingNonce(Address address) {
        // the pending pool that counts is the one the sends go to
        return read("eth_getTransactionCount", sendOrder(), n -> n.pendingNonce(address)).value();
    }

    @Override
    public TxHash sendRawTransaction(String rawHex) {
        Answered<TxHash> sent;
        try {
            sent = read("eth_sendRawTransaction", sendOrder(), n -> n.sendRawTransaction(rawHex));
        } finally {
            shared.wrote();
        }
        broadcast(rawHex, sent.by());
        return sent.value();
    }

    /** The same signed bytes to every other usable node, so the transaction spreads even if one pool drops it. */
    private void broadcast(String rawHex, Upstream sentTo) {
        for (Upstream u : upstreams) {
            if (u != sentTo && u.state == State.OK) {
                background.submit(() -> {
                    try {
                        u.node.sendRawTransaction(rawHex);
                    } catch (NodeException e) {
                        LOG.log(System.Logger.Level.DEBUG, "broadcast to {0}: {1}", u.name, e.getMessage());
                    }
                });
            }
        }
    }

    // --- the relay ---

    @Override
    public RawJson call(String method, String paramsJson) {
        RelayParams.Checked checked = params.check(method, paramsJson);
        if (method.equals("eth_sendRawTransaction")) {
            Answered<RawJson> sent;
            try {
                sent = read(method, sendOrder(), n -> n.relay(method, checked));
            } finally {
                shared.wrote(); // reads in flight from before it are not joined any more
            }
            broadcast(checked.tree().get(0).asText(), sent.by());
            return sent.value();
        }
        if (method.equals("eth_blockNumber")) {
            // to each caller's answer, shared or not
            return neverBackwards(shared.read(method, checked.json(), () -> read(method, readOrder(), n -> n.relay(method, checked)).value()));
        }
        if (upstreams.size() > 1 && NEW_FILTER.contains(method)) {
            return newFilter(method, checked);
        }
        if (upstreams.size() > 1 && ON_FILTER.contains(method)) {
            return onFilterNode(method, (ArrayNode) checked.tree());
        }
        return shared.read(method, checked.json(), () -> read(method, readOrder(), n -> n.relay(method, checked)).value());
    }

    /**
     * Relayed calls pinned to the healthy node with the best head (the subscription feed's steps):
     * a feed that followed whichever node a read landed on would announce a lagging node's head,
     * or see a reorg where two nodes merely disagree. They are the server's own reads, and wait their
     * turn for a node-call slot as its other reads do, not a client's 250 ms.
     */
    @Override
    public NodeRelay freshest() {
        List<Upstream> order = freshestFirst();
        if (order.isEmpty()) {
            throw new NodeException(NodeFailure.UNREACHABLE, "no node can serve chain reads (" + summary() + ")");
        }
        List<Upstream> only = List.of(order.getFirst());
        return (method, paramsJson) -> {
            RelayParams.Checked checked = params.check(method, paramsJson);
            return read(method, only, n -> n.relay(method, checked, false)).value();
        };
    }

    /** Nodes disagree by a block or two: a client is never shown a lower number than it was shown before. */
    private RawJson neverBackwards(RawJson result) {
        // the answer is a JSON string holding a quantity, "0x…" of 1 to 15 hex digits: read by hand off its bytes, it is
        // every eth_blockNumber
        int n = result.length();
        if (n < 5 || n > 19 || !result.isQuoted() || result.at(1) != '0' || result.at(2) != 'x') {
            return result;
        }
        long number = 0;
        for (int i = 3; i < n - 1; i++) {
            int digit = Character.digit(result.at(i), 16);
            if (digit < 0) {
                return result;
            }
            number = number << 4 | digit;
        }
        long highest = highestBlockAnswered.accumulateAndGet(number, Math::max);
        return highest == number ? result : RawJson.of("\"" + Quantity.hex(highest) + "\"");
    }

    private RawJson newFilter(String method, RelayParams.Checked checked) {
        Answered<RawJson> created = read(method, readOrder(), n -> n.relay(method, checked));
        JsonNode id;
        try {
            id = JSON.readTree(created.value().bytes(), created.value().offset(), created.value().length());
        } catch (java.io.IOException e) {
            throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + created.by().name + " answered " + method + " with no filter id");
        }
        if (!id.isTextual() || !HexText.digits(id.asText(), 1, 64)) {
            throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + created.by().name + " answered " + method + " with no filter id");
        }
        // the id names its node: the first two hex digits are its position in RPC_URL
        return RawJson.of("\"0x" + String.format("%02x", created.by().index) + id.asText().substring(2) + "\"");
    }

    private RawJson onFilterNode(String method, ArrayNode checked) {
        String id = checked.get(0).asText();
        int index = HexText.digits(id, 3, 66) ? Integer.parseInt(id.substring(2, 4), 16) : -1;
        if (index < 0 || index >= upstreams.size()) {
            throw filterNotFound();
        }
        Upstream u = upstreams.get(index);
        if (u.state == State.WRONG_CHAIN || u.state == State.UNKNOWN) {
            throw filterNotFound();
        }
        ArrayNode onNode = checked.deepCopy();
        onNode.set(0, JSON.getNodeFactory().textNode("0x" + id.substring(4)));
        RelayParams.Checked forNode = new RelayParams.Checked(onNode, onNode.toString());
        long start = System.nanoTime();
        try {
            RawJson answer = CallDeadline.within(start + timeout.toNanos(), () -> u.node.relay(method, forNode));
            u.answered(System.nanoTime() - start);
            return answer;
        } catch (NodeException e) {
            if (!e.failure().isTransient()) {
                u.answered(System.nanoTime() - start);
                throw e;
            }
            u.failedWith(e);
            // its node is gone: the client makes a new filter, as when a node forgets an old one
            throw filterNotFound();
        }
    }

    /** As geth words it; clients (ethers, viem, web3.py) then create a new filter. */
    private static NodeException filterNotFound() {
        return new NodeException(NodeFailure.RPC_ERROR, "filter not found", -32000, null, null);
    }

    // --- routing ---

    private record Answered<T>(Upstream by, T value) {
    }

    /**
     * Tries the nodes in order until one answers; a transport failure moves on, a node's error
     * object is the answer. The deadline covers every attempt.
     */
    private <T> Answered<T> read(String what, List<Upstream> order, Function<JsonRpcChainNode, T> call) {
        if (order.isEmpty()) {
            throw new NodeException(NodeFailure.UNREACHABLE, "no node can serve " + what + " (" + summary() + ")");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        NodeException last = null;
        for (Upstream u : order) {
            if (System.nanoTime() - deadline >= 0) {
                break;
            }
            long start = System.nanoTime();
            try {
                T value = CallDeadline.within(deadline, () -> call.apply(u.node));
                u.answered(System.nanoTime() - start);
                return new Answered<>(u, value);
            } catch (NodeException e) {
                if (!e.failure().isTransient()) {
                    u.answered(System.nanoTime() - start);
                    throw e;
                }
                u.failedWith(e);
                last = e;
            }
        }
        throw last != null ? last : new NodeException(NodeFailure.TIMEOUT, "no node answered " + what + " within "
                + timeout.toMillis() + " ms");
    }

    /**
     * The healthy nodes, the first picked at random weighted by speed (so reads spread, faster
     * nodes getting more), the rest fastest first; when none is healthy, the nodes of the chain
     * that are down or behind, least behind first, as a last resort.
     */
    private List<Upstream> readOrder() {
        if (upstreams.size() == 1 && upstreams.getFirst().state == State.OK) {
            return upstreams; // one node: nothing to choose
        }
        List<Upstream> ok = new ArrayList<>(upstreams.stream().filter(u -> u.state == State.OK).toList());
        if (ok.isEmpty()) {
            return fallback();
        }
        ok.sort(Comparator.comparingDouble(Upstream::effectiveLatency));
        if (ok.size() > 1) {
            double total = ok.stream().mapToDouble(u -> 1 / u.effectiveLatency()).sum();
            double pick = ThreadLocalRandom.current().nextDouble(total);
            for (int i = 0; i < ok.size(); i++) {
                pick -= 1 / ok.get(i).effectiveLatency();
                if (pick <= 0) {
                    ok.addFirst(ok.remove(i));
                    break;
                }
            }
        }
        return ok;
    }

    /**
     * The healthy nodes, the best head first (ties in RPC_URL's order, so consecutive reads stay on
     * one node), then the last resort. A node's head is what its last check or head read reported.
     */
    private List<Upstream> freshestFirst() {
        List<Upstream> ok = upstreams.stream().filter(u -> u.state == State.OK)
                .sorted(Comparator.comparingLong((Upstream u) -> u.head).reversed().thenComparingInt(u -> u.index)).toList();
        return ok.isEmpty() ? fallback() : ok;
    }

    /** Healthy nodes in RPC_URL's order (the first is preferred), then the last resort. */
    private List<Upstream> sendOrder() {
        List<Upstream> ok = upstreams.stream().filter(u -> u.state == State.OK).toList();
        return ok.isEmpty() ? fallback() : ok;
    }

    private List<Upstream> fallback() {
        Long expected = chainId;
        return upstreams.stream()
                .filter(u -> (u.state == State.DOWN || u.state == State.LAGGING) && expected != null && u.reportedChainId == expected)
                .sorted(Comparator.comparingLong(u -> u.lag))
                .toList();
    }

    private String summary() {
        return String.join(", ", upstreams.stream().map(u -> u.name + " " + u.state.wireName()).toList());
    }

    /** Every node's calls in flight, and those to come, end within {@code wait}: for a stop ({@link JsonRpcChainNode#endCallsWithin}). */
    public void endCallsWithin(Duration wait) {
        upstreams.forEach(u -> u.node.endCallsWithin(wait));
    }

    @Override
    public void close() {
        background.shutdownNow();
        upstreams.forEach(u -> u.node.close());
    }

    /** What the start's log line names: "node URL" or "nodes URL, URL", without credentials, paths or queries. */
    @Override
    public String toString() {
        return (upstreams.size() == 1 ? "node " : "nodes ") + String.join(", ", upstreams.stream().map(u -> u.name).toList());
    }

    /** One node and what is known of it. Written by checks and calls on many threads; each field on its own. */
    private static final class Upstream {
        final int index;
        final JsonRpcChainNode node;
        final String name;
        final LongAdder ok = new LongAdder();
        final LongAdder failed = new LongAdder();
        volatile State state = State.UNKNOWN;
        volatile String problem = "not checked yet";
        volatile boolean probed;
        volatile String probeProblem = "not checked yet";
        volatile long reportedChainId = -1;
        /** Its genesis block's hash, as the last check read it (with several nodes only). */
        volatile String genesis;
        volatile long head = -1;
        volatile long lag;
        /** Smoothed answer time; negative until the first answer. */
        volatile double latencyMicros = -1;

        Upstream(int index, JsonRpcChainNode node, String name) {
            this.index = index;
            this.node = node;
            this.name = name;
        }

        /** A routed call answered: counted, and its time smoothed into the latency. */
        void answered(long nanos) {
            ok.increment();
            measured(nanos);
        }

        /** A check's answer time: latency only (checks are not requests). */
        void measured(long nanos) {
            double micros = nanos / 1000.0;
            double previous = latencyMicros;
            latencyMicros = previous < 0 ? micros : previous * 0.8 + micros * 0.2;
        }

        /** A head read answered: it is at least this high now (a check may set it lower again after a reorg). */
        void sawHead(long number) {
            if (number > head) {
                head = number;
            }
        }

        double effectiveLatency() {
            return Math.max(MIN_LATENCY_MICROS, latencyMicros < 0 ? MIN_LATENCY_MICROS : latencyMicros);
        }

        /** A call failed for a transport reason: no more traffic until a check finds it answering. */
        void failedWith(NodeException e) {
            failed.increment();
            if (e.failure() == NodeFailure.TIMEOUT || e.failure() == NodeFailure.UNREACHABLE || e.failure() == NodeFailure.BAD_RESPONSE) {
                become(State.DOWN, e.failure().name().toLowerCase(java.util.Locale.ROOT) + ": " + e.getMessage());
            }
        }

        synchronized void become(State next, String why) {
            State previous = state;
            state = next;
            problem = why;
            if (previous == next) {
                return;
            }
            if (next == State.OK) {
                LOG.log(System.Logger.Level.INFO, previous == State.UNKNOWN ? "node {0} is healthy" : "node {0} is healthy again (was {1})",
                        name, previous.wireName());
            } else {
                LOG.log(System.Logger.Level.WARNING, "node {0} is {1}: {2}", name, next.wireName(), why);
            }
        }

        UpstreamHealth health() {
            State s = state;
            return new UpstreamHealth(name, s, head < 0 ? Optional.empty() : Optional.of(head), s == State.WRONG_CHAIN ? 0 : lag,
                    latencyMicros < 0 ? Optional.empty() : Optional.of(Duration.ofNanos((long) (latencyMicros * 1000))),
                    s == State.OK ? Optional.empty() : Optional.ofNullable(problem), ok.sum(), failed.sum());
        }
    }
}
