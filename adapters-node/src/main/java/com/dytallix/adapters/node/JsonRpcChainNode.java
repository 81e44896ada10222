package com.dytallix.adapters.node;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.FeeSuggestion;
import com.dytallix.domain.sync.BlockHead;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.sync.RawJson;
import com.dytallix.domain.sync.Receipt;
import com.dytallix.domain.sync.SyncProgress;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.net.ssl.SSLSocketFactory;

/**
 * {@link ChainNode} over Ethereum JSON-RPC 2.0 on HTTP/1.1: pooled keep-alive connections
 * ({@link NodeHttp}) driven on the caller's (virtual) thread. Each call has one deadline
 * (NODE_TIMEOUT_MS, or a shorter one a {@link CallDeadline} sets), at most {@code maxConcurrency}
 * calls are in flight. A relayed call ({@link #call}) that cannot get a slot within the short queue
 * wait fails at once with {@link NodeFailure#OVERLOADED} (its client sees a 503 and retries); the
 * server's own calls (the faucet's sends, the tracker's, status's, health checks' and the subscription feed's reads) wait
 * their turn for up to half the time left to their deadline, keeping the rest for the node: a send refused was
 * a nonce gap every later nonce of its key queued behind, a tracker read refused a stalled pass. An
 * answer is read into a buffer of at most
 * {@code maxResponseBytes}; a longer one is refused with {@link NodeFailure#RESPONSE_TOO_LARGE} and
 * its connection dropped, so no answer can take unbounded memory or leave the client unusable;
 * answers being read together take at most an eighth of the heap ({@link NodeHttp#BODIES}: past
 * it, OVERLOADED, which the client sees as a 503 to retry shortly).
 * Every failure is a {@link NodeException} with a classified {@link NodeFailure}.
 */
public final class JsonRpcChainNode implements ChainNode, AutoCloseable {
    /** How long a relayed call may wait for a free slot when its deadline allows it. */
    public static final Duration DEFAULT_QUEUE_WAIT = Duration.ofMillis(250);
    /** RPC_MAX_RESPONSE_BYTES' default. */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
    /** Used when the node has no eth_maxPriorityFeePerGas and its gas price leaves no tip over the base fee. */
    static final Wei FALLBACK_TIP = Wei.of(1_000_000_000L);
    /** A server error, not -32005 "limit exceeded": viem retries that, and a smaller answer will not come by retrying. */
    static final int ANSWER_TOO_LARGE = -32000;
    private static final int MAX_INTERVAL_BLOCKS = 128;
    private static final System.Logger LOG = System.getLogger(JsonRpcChainNode.class.getName());
    private static final ObjectMapper JSON = NodeJson.mapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final HexFormat HEX = HexFormat.of();
    private static final RelayParams PARAMS = new RelayParams(JSON, RelayParams.DEFAULT_MAX_LOGS_BLOCK_RANGE, () -> -1);

    private final String nodeLabel;
    private final Duration timeout;
    private final Duration queueWait;
    private final int maxResponseBytes;
    private final Semaphore slots;
    private final NodeHttp http;
    private final AtomicLong ids = new AtomicLong();

    public JsonRpcChainNode(URI url, Duration timeout, int maxConcurrency) {
        this(url, timeout, maxConcurrency, defaultQueueWait(timeout), DEFAULT_MAX_RESPONSE_BYTES);
    }

    public JsonRpcChainNode(URI url, Duration timeout, int maxConcurrency, Duration queueWait) {
        this(url, timeout, maxConcurrency, queueWait, DEFAULT_MAX_RESPONSE_BYTES);
    }

    /**
     * @param timeout          NODE_TIMEOUT_MS, the deadline of one call
     * @param maxConcurrency   MAX_CONCURRENCY, calls in flight at once
     * @param queueWait        how long a relayed call waits for a free slot before failing with OVERLOADED (the
     *                         server's own calls wait up to half the time left to their deadline)
     * @param maxResponseBytes RPC_MAX_RESPONSE_BYTES, the longest answer read
     */
    public JsonRpcChainNode(URI url, Duration timeout, int maxConcurrency, Duration queueWait, int maxResponseBytes) {
        this(url, timeout, maxConcurrency, queueWait, maxResponseBytes, null);
    }

    /** @param tls for an https node: the TLS sockets to use (null: the JVM's default, its trust store) */
    JsonRpcChainNode(URI url, Duration timeout, int maxConcurrency, Duration queueWait, int maxResponseBytes, SSLSocketFactory tls) {
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("RPC_URL must be an http or https URL");
        }
        if (timeout.isZero() || timeout.isNegative() || maxConcurrency < 1 || queueWait.isNegative() || maxResponseBytes < 1024) {
            throw new IllegalArgumentException("timeout must be positive, max concurrency at least 1, queue wait not negative, "
                    + "max response at least 1024 bytes");
        }
        this.nodeLabel = UpstreamName.of(url);
        this.timeout = timeout;
        this.queueWait = queueWait;
        this.maxResponseBytes = maxResponseBytes;
        this.slots = new Semaphore(maxConcurrency, true);
        this.http = new NodeHttp(url, "https".equals(url.getScheme()) && tls == null ? (SSLSocketFactory) SSLSocketFactory.getDefault() : tls,
                maxConcurrency, maxResponseBytes);
    }

    public static Duration defaultQueueWait(Duration timeout) {
        return timeout.compareTo(DEFAULT_QUEUE_WAIT) < 0 ? timeout : DEFAULT_QUEUE_WAIT;
    }

    /** The node's URL without credentials, path or query: what status, logs and metrics show. */
    public String name() {
        return nodeLabel;
    }

    @Override
    public long chainId() {
        return longQuantity(rpc("eth_chainId", params()), "eth_chainId");
    }

    @Override
    public BlockHead head() {
        JsonNode block = rpc("eth_getBlockByNumber", params("latest", false));
        if (!block.isObject()) {
            throw bad("eth_getBlockByNumber returned no latest block");
        }
        long number = longQuantity(block.get("number"), "block number");
        Instant timestamp = Instant.ofEpochSecond(longQuantity(block.get("timestamp"), "block timestamp"));
        JsonNode baseFee = block.get("baseFeePerGas");
        Optional<Wei> base = baseFee == null || baseFee.isNull()
                ? Optional.empty() : Optional.of(new Wei(quantity(baseFee, "baseFeePerGas")));
        return new BlockHead(number, timestamp, base);
    }

    @Override
    public Optional<SyncProgress> syncing() {
        JsonNode result = rpc("eth_syncing", params());
        if (result.isBoolean() && !result.booleanValue()) {
            return Optional.empty();
        }
        if (!result.isObject()) {
            throw bad("eth_syncing returned neither false nor a progress object");
        }
        return Optional.of(new SyncProgress(longQuantity(result.get("currentBlock"), "currentBlock"),
                longQuantity(result.get("highestBlock"), "highestBlock")));
    }

    @Override
    public List<Duration> recentBlockIntervals(int blocks) {
        int count = Math.min(blocks, MAX_INTERVAL_BLOCKS);
        if (count <= 0) {
            return List.of();
        }
        long head = longQuantity(rpc("eth_blockNumber", params()), "eth_blockNumber");
        long first = Math.max(0, head - count);
        List<ObjectNode> requests = new ArrayList<>();
        for (long n = first; n <= head; n++) {
            requests.add(request("eth_getBlockByNumber", params(Quantity.hex(n), false)));
        }
        List<JsonNode> results = batch(requests);
        List<Duration> intervals = new ArrayList<>();
        long previous = -1;
        for (JsonNode block : results) {
            if (!block.isObject()) {
                throw bad("eth_getBlockByNumber returned no block for a number below the head");
            }
            long timestamp = longQuantity(block.get("timestamp"), "block timestamp");
            if (previous >= 0) {
                intervals.add(Duration.ofSeconds(Math.max(0, timestamp - previous)));
            }
            previous = timestamp;
        }
        return intervals;
    }

    @Override
    public Wei balance(Address address) {
        return new Wei(quantity(rpc("eth_getBalance", params(address.lower(), "latest")), "eth_getBalance"));
    }

    @Override
    public long pendingNonce(Address address) {
        return longQuantity(rpc("eth_getTransactionCount", params(address.lower(), "pending")), "eth_getTransactionCount");
    }

    @Override
    public long minedNonce(Address address) {
        return longQuantity(rpc("eth_getTransactionCount", params(address.lower(), "latest")), "eth_getTransactionCount");
    }

    @Override
    public FeeSuggestion fees() {
        Optional<Wei> baseFee = head().baseFee();
        Wei gasPrice = new Wei(quantity(rpc("eth_gasPrice", params()), "eth_gasPrice"));
        if (baseFee.isEmpty()) {
            return new FeeSuggestion(Optional.empty(), Wei.ZERO, gasPrice);
        }
        Wei tip;
        try {
            tip = new Wei(quantity(rpc("eth_maxPriorityFeePerGas", params()), "eth_maxPriorityFeePerGas"));
        } catch (NodeException e) {
            if (e.failure() != NodeFailure.RPC_ERROR) {
                throw e;
            }
            // Nodes without the method: what the gas price offers above the base fee is the market's tip.
            Wei fromGasPrice = gasPrice.isLessThan(baseFee.get()) ? Wei.ZERO : gasPrice.minus(baseFee.get());
            tip = fromGasPrice.equals(Wei.ZERO) ? FALLBACK_TIP : fromGasPrice;
            LOG.log(System.Logger.Level.DEBUG, "eth_maxPriorityFeePerGas unavailable ({0}); tip {1} wei", e.getMessage(), tip);
        }
        return new FeeSuggestion(baseFee, tip, gasPrice);
    }

    @Override
    public TxHash sendRawTransaction(String rawHex) {
        try {
            return txHash(rpc("eth_sendRawTransaction", params(rawHex)), "what eth_sendRawTransaction returned");
        } catch (NodeException e) {
            if (e.failure() == NodeFailure.ALREADY_KNOWN) {
                return TransactionCodec.hash(rawBytes(rawHex));
            }
            throw e;
        }
    }

    @Override
    public Optional<Receipt> receipt(TxHash hash) {
        JsonNode receipt = rpc("eth_getTransactionReceipt", params(hash.value()));
        if (receipt.isNull()) {
            return Optional.empty();
        }
        if (!receipt.isObject()) {
            throw bad("eth_getTransactionReceipt returned neither null nor a receipt");
        }
        return mined(receipt, hash);
    }

    @Override
    public Optional<List<Receipt>> blockReceipts(long number) {
        JsonNode receipts = rpc("eth_getBlockReceipts", params(Quantity.hex(number)));
        if (receipts.isNull()) {
            return Optional.empty();
        }
        if (!receipts.isArray()) {
            throw bad("eth_getBlockReceipts returned neither null nor a list of receipts");
        }
        List<Receipt> all = new ArrayList<>(receipts.size());
        for (JsonNode receipt : receipts) {
            if (!receipt.isObject()) {
                throw bad("eth_getBlockReceipts returned something that is not a receipt");
            }
            Receipt r = mined(receipt, txHash(receipt.get("transactionHash"), "a receipt's transactionHash"))
                    .orElseThrow(() -> bad("eth_getBlockReceipts returned a receipt without its block"));
            if (r.blockNumber() != number) {
                throw bad("eth_getBlockReceipts returned a receipt of another block");
            }
            all.add(r);
        }
        return Optional.of(all);
    }

    /** A receipt object's block and status; empty while it names no block (a pending transaction on some nodes). */
    private Optional<Receipt> mined(JsonNode receipt, TxHash hash) {
        JsonNode block = receipt.get("blockNumber");
        if (block == null || block.isNull()) {
            return Optional.empty();
        }
        BigInteger status = quantity(receipt.get("status"), "receipt status");
        return Optional.of(new Receipt(hash, longQuantity(block, "receipt blockNumber"),
                blockHash(receipt.get("blockHash"), "receipt blockHash"), status.signum() != 0));
    }

    @Override
    public Optional<String> blockHash(long number) {
        JsonNode block = rpc("eth_getBlockByNumber", params(Quantity.hex(number), false));
        if (block.isNull()) {
            return Optional.empty();
        }
        if (!block.isObject()) {
            throw bad("eth_getBlockByNumber returned neither null nor a block");
        }
        return Optional.of(blockHash(block.get("hash"), "block hash"));
    }

    private String blockHash(JsonNode node, String what) {
        if (node == null || !node.isTextual() || !HexText.digits(node.asText(), 64, 64)) {
            throw bad(what + " is not a 32-byte hash");
        }
        return node.asText().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Checks the params' shapes and explicit block ranges (RPC_MAX_LOGS_BLOCK_RANGE at its default);
     * {@link UpstreamSet} also sizes ranges that end at "latest", since it knows the head.
     */
    @Override
    public RawJson call(String method, String paramsJson) {
        return relay(method, PARAMS.check(method, paramsJson));
    }

    /** A relayed call with params already checked: the node's result as the node wrote it, a slice of its answer. */
    RawJson relay(String method, RelayParams.Checked params) {
        return relay(method, params, true);
    }

    /**
     * @param forClient a client's call, which waits the short queue wait for a slot; false for the server's own reads
     *                  of raw results (the subscription feed's), which wait their turn as its other reads do
     */
    RawJson relay(String method, RelayParams.Checked params, boolean forClient) {
        long id = ids.incrementAndGet();
        return exchange(method, id, requestBytes(method, id, params.json()), true, forClient, NodeAnswer::result);
    }

    /**
     * Calls in flight, and those to come, end within {@code wait} at the latest: a call the node has not answered by
     * then fails as {@link NodeFailure#TIMEOUT} (a send so ended may have reached the node: never taken as refused).
     */
    public void endCallsWithin(Duration wait) {
        http.endCallsBy(System.nanoTime() + wait.toNanos());
    }

    /** Closes the idle connections and ends the calls in flight (as timed out). */
    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "JsonRpcChainNode[" + nodeLabel + "]";
    }

    // --- JSON-RPC exchange ---

    private JsonNode rpc(String method, ArrayNode params) {
        long id = ids.incrementAndGet();
        return exchange(method, id, requestBytes(method, id, params.toString()), false, false, answer -> {
            try {
                return answer.resultTree(JSON);
            } catch (IOException e) {
                throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered " + method + " with a result that is not JSON");
            }
        });
    }

    /**
     * The request's bytes, written directly: {@code paramsJson} is one JSON value the params check
     * parsed (nothing after it), and a method name of other characters than a method's goes through
     * the JSON writer.
     */
    private static byte[] requestBytes(String method, long id, String paramsJson) {
        String name = plainName(method) ? '"' + method + '"' : TextNode.valueOf(method).toString();
        return ("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":" + name + ",\"params\":" + paramsJson + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static boolean plainName(String method) {
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /**
     * One request; {@code relay} keeps every node error object as RPC_ERROR instead of classifying it, {@code forClient}
     * gives it a client's short wait for a slot.
     */
    private <T> T exchange(String method, long id, byte[] request, boolean relay, boolean forClient, Function<NodeAnswer, T> result) {
        NodeHttp.Reply reply = post(method, request, forClient);
        try {
            return result.apply(checked(method, id, reply, relay));
        } finally {
            NodeHttp.release(reply); // the read is done: a relayed result keeps its slice of the body, counted from here on by whoever holds it (the cache, the answer writer)
        }
    }

    private NodeAnswer checked(String method, long id, NodeHttp.Reply reply, boolean relay) {
        NodeAnswer body = NodeAnswer.parse(reply.body());
        boolean idMatches = body != null && body.id() != null && body.id().isIntegralNumber() && body.id().longValue() == id;
        boolean hasError = body != null && body.error() != null;
        // an error about an unparseable request may come back with a null id
        boolean errorForUs = hasError && (idMatches || body.id() == null || body.id().isNull());
        if (reply.status() / 100 != 2) {
            if (errorForUs) {
                throw nodeError(method, body.error(), body.errorDataJson(), relay);
            }
            throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered " + method + " with HTTP " + reply.status());
        }
        if (body == null) {
            throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered " + method + " with something that is not a JSON-RPC response"
                    + reply.contentType().map(t -> " (" + t + ")").orElse(""));
        }
        if (errorForUs) {
            throw nodeError(method, body.error(), body.errorDataJson(), relay);
        }
        if (!idMatches) {
            throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered " + method + " with a response for another request id");
        }
        if (!body.hasResult()) {
            throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered " + method + " without a result");
        }
        return body;
    }

    /** A batch whose results come back in request order; any item error fails the whole batch. */
    private List<JsonNode> batch(List<ObjectNode> requests) {
        ArrayNode array = JSON.createArrayNode();
        requests.forEach(array::add);
        String label = "batch of " + requests.size() + " " + requests.getFirst().get("method").asText();
        NodeHttp.Reply response = post(label, serialise(array), false);
        JsonNode body = parseOrNull(response.body());
        NodeHttp.release(response); // the tree holds what is needed
        if (response.status() / 100 != 2 || body == null || !body.isArray()) {
            // Some providers refuse batches: ask one by one rather than fail.
            if (body != null && body.isObject() && body.hasNonNull("error")) {
                LOG.log(System.Logger.Level.DEBUG, "node {0} refused a batch request; asking one by one", nodeLabel);
                return requests.stream().map(r -> rpc(r.get("method").asText(), (ArrayNode) r.get("params"))).toList();
            }
            if (response.status() / 100 != 2) {
                throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered a " + label + " with HTTP " + response.status());
            }
            throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered a " + label + " with something that is not a JSON-RPC batch response");
        }
        Map<Long, JsonNode> byId = new HashMap<>();
        for (JsonNode item : body) {
            if (item.isObject() && item.path("id").isIntegralNumber()) {
                byId.put(item.get("id").longValue(), item);
            }
        }
        List<JsonNode> results = new ArrayList<>();
        for (ObjectNode request : requests) {
            JsonNode item = byId.get(request.get("id").longValue());
            if (item == null) {
                throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " left a request of a " + label + " unanswered");
            }
            if (item.hasNonNull("error")) {
                JsonNode error = item.get("error");
                JsonNode data = error.get("data");
                throw nodeError(request.get("method").asText(), error, data == null || data.isNull() ? null : data.toString(), false);
            }
            if (!item.has("result")) {
                throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered a " + label + " without a result");
            }
            results.add(item.get("result"));
        }
        return results;
    }

    private static byte[] serialise(JsonNode payload) {
        try {
            return JSON.writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }

    /** @param forClient a client's call: it waits for a slot the short queue wait, the server's own half its time left */
    private NodeHttp.Reply post(String label, byte[] body, boolean forClient) {
        long deadline = CallDeadline.current().orElseGet(() -> System.nanoTime() + timeout.toNanos());
        acquireSlot(label, deadline, forClient);
        try {
            NodeHttp.Reply reply = http.post(body, deadline);
            if (reply.status() == 429) {
                throw new NodeException(NodeFailure.RATE_LIMITED, "node " + nodeLabel + " is rate limiting (HTTP 429) " + label);
            }
            return reply;
        } catch (NodeHttp.TooLargeException e) {
            throw tooLarge(label);
        } catch (NodeHttp.BusyException e) {
            throw new NodeException(NodeFailure.OVERLOADED, "the node answers being read take all the memory set aside for them "
                    + "(an eighth of the heap); " + label + " not read");
        } catch (NodeHttp.MalformedAnswerException e) {
            throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered " + label + " with something that is not HTTP/1.1 ("
                    + e.getMessage() + ")", null, null, e);
        } catch (IOException e) {
            throw transportFailure(label, e);
        } finally {
            slots.release();
        }
    }

    private NodeException transportFailure(String label, IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NodeHttp.EndedException) {
                return new NodeException(NodeFailure.TIMEOUT, "node " + nodeLabel + " had not answered " + label
                        + " when the server's stop ended it", null, null, e);
            }
            if (t instanceof SocketTimeoutException) {
                return timeoutFor(label, e);
            }
            if (t instanceof ConnectException) {
                return new NodeException(NodeFailure.UNREACHABLE, "cannot connect to node " + nodeLabel + " for " + label, null, null, e);
            }
        }
        return new NodeException(NodeFailure.UNREACHABLE, "cannot reach node " + nodeLabel + " for " + label
                + " (" + e.getClass().getSimpleName() + ")", null, null, e);
    }

    private NodeException tooLarge(String label) {
        return new NodeException(NodeFailure.RESPONSE_TOO_LARGE, "the node's answer to " + label + " is larger than "
                + maxResponseBytes + " bytes (RPC_MAX_RESPONSE_BYTES); ask for less, e.g. a narrower block range",
                ANSWER_TOO_LARGE, null, null);
    }

    /**
     * A free slot, waited for in arrival order (a client's call for at most the queue wait, the server's own for half the
     * time left to its deadline): untimed, ended by
     * {@link NodeDeadlines} (a timed wait on a virtual thread is a timer task on the ForkJoinPool's
     * delay scheduler; with more calls than slots, as at 64 connections to one node, every call waited).
     */
    private void acquireSlot(String label, long deadline, boolean forClient) {
        boolean acquired;
        try {
            long left = Math.max(0, deadline - System.nanoTime());
            long wait = forClient ? Math.min(queueWait.toNanos(), left) : left / 2;
            // in turn behind waiting calls, unlike tryAcquire(); no wait at all when none is allowed
            acquired = slots.tryAcquire(0, TimeUnit.NANOSECONDS) || wait > 0 && awaitSlot(System.nanoTime() + wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(NodeFailure.OVERLOADED, "interrupted while waiting for a free node connection slot for " + label);
        }
        if (!acquired) {
            throw new NodeException(NodeFailure.OVERLOADED, "too many node calls in flight; " + label + " not sent");
        }
    }

    /** Waits for a slot until {@code until} (System.nanoTime); false when the wait ran out. */
    private boolean awaitSlot(long until) throws InterruptedException {
        SlotWait wait = new SlotWait(Thread.currentThread());
        NodeDeadlines.SHARED.watch(wait, until);
        boolean acquired = false;
        try {
            slots.acquire();
            acquired = true;
        } catch (InterruptedException e) {
            if (!wait.expired()) {
                throw e; // not ours: someone else interrupted the call
            }
        } finally {
            if (!NodeDeadlines.SHARED.unwatch(wait)) {
                Thread.interrupted(); // the deadline's interrupt, even one that came after the slot: not the call's
            }
        }
        return acquired;
    }

    /** A call waiting for a slot; the deadline interrupts it (only while it is watched, under its lock). */
    private static final class SlotWait extends NodeDeadlines.Watched {
        private final Thread waiting;

        SlotWait(Thread waiting) {
            this.waiting = waiting;
        }

        @Override
        void expire() {
            waiting.interrupt();
        }
    }

    private NodeException timeoutFor(String label, Exception cause) {
        return new NodeException(NodeFailure.TIMEOUT, "node " + nodeLabel + " did not answer " + label + " within " + timeout.toMillis() + " ms", null, null, cause);
    }

    /** @param dataJson the error's {@code data} as JSON text (the node's own bytes where the answer was one object), or null */
    private static NodeException nodeError(String method, JsonNode error, String dataJson, boolean relay) {
        Integer code = error.path("code").isIntegralNumber() ? error.get("code").intValue() : null;
        String message = error.path("message").isTextual() ? error.get("message").asText() : error.toString();
        JsonNode data = error.get("data");
        NodeFailure failure = relay ? NodeFailure.RPC_ERROR
                : RpcErrors.classify(message + (data != null && data.isTextual() ? " " + data.asText() : ""));
        LOG.log(System.Logger.Level.DEBUG, "node error for {0}: {1} {2} ({3})", method, code, message, failure);
        return new NodeException(failure, message, code, dataJson, null);
    }

    private static JsonNode parseOrNull(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    /** A request object of a batch. */
    private ObjectNode request(String method, JsonNode params) {
        ObjectNode request = JSON.createObjectNode();
        request.put("jsonrpc", "2.0");
        request.put("id", ids.incrementAndGet());
        request.put("method", method);
        request.set("params", params);
        return request;
    }

    private static ArrayNode params(Object... values) {
        ArrayNode array = JSON.createArrayNode();
        for (Object v : values) {
            switch (v) {
                case String s -> array.add(s);
                case Boolean b -> array.add(b);
                default -> throw new IllegalArgumentException("unsupported parameter type");
            }
        }
        return array;
    }

    private BigInteger quantity(JsonNode node, String what) {
        try {
            return Quantity.parse(node == null || !node.isTextual() ? null : node.asText());
        } catch (IllegalArgumentException e) {
            throw bad(what + " is not a hex quantity");
        }
    }

    private long longQuantity(JsonNode node, String what) {
        BigInteger value = quantity(node, what);
        if (value.bitLength() > 63) {
            throw bad(what + " is out of range");
        }
        return value.longValue();
    }

    private TxHash txHash(JsonNode node, String what) {
        try {
            return new TxHash(node != null && node.isTextual() ? node.asText() : null);
        } catch (IllegalArgumentException e) {
            throw bad(what + " is not a transaction hash");
        }
    }

    private static byte[] rawBytes(String rawHex) {
        String hex = rawHex.startsWith("0x") || rawHex.startsWith("0X") ? rawHex.substring(2) : rawHex;
        return HEX.parseHex(hex);
    }

    private NodeException bad(String what) {
        return new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + ": " + what);
    }
}
