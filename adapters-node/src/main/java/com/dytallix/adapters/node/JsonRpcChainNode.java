package com.dytallix.adapters.node;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.FeeSuggestion;
import com.dytallix.domain.sync.BlockHead;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.sync.Receipt;
import com.dytallix.domain.sync.SyncProgress;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link ChainNode} over Ethereum JSON-RPC 2.0 on HTTP/1.1. Each call has one deadline (the
 * request timeout, enforced again by a resilience4j TimeLimiter that cancels the exchange), at
 * most {@code maxConcurrency} calls are in flight, and a call that cannot get a slot within the
 * short queue wait fails at once with {@link NodeFailure#OVERLOADED} instead of queueing without
 * bound. Every failure is a {@link NodeException} with a classified {@link NodeFailure}.
 */
public final class JsonRpcChainNode implements ChainNode, AutoCloseable {
    /** How long a call may wait for a free slot when its deadline allows it. */
    public static final Duration DEFAULT_QUEUE_WAIT = Duration.ofMillis(250);
    /** Used when the node has no eth_maxPriorityFeePerGas and its gas price leaves no tip over the base fee. */
    static final Wei FALLBACK_TIP = Wei.of(1_000_000_000L);
    private static final int MAX_INTERVAL_BLOCKS = 128;
    private static final System.Logger LOG = System.getLogger(JsonRpcChainNode.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final HexFormat HEX = HexFormat.of();

    private final URI url;
    private final String nodeLabel;
    private final Duration timeout;
    private final Duration queueWait;
    private final Semaphore slots;
    private final TimeLimiter timeLimiter;
    private final ExecutorService executor;
    private final HttpClient http;
    private final AtomicLong ids = new AtomicLong();

    public JsonRpcChainNode(URI url, Duration timeout, int maxConcurrency) {
        this(url, timeout, maxConcurrency, timeout.compareTo(DEFAULT_QUEUE_WAIT) < 0 ? timeout : DEFAULT_QUEUE_WAIT);
    }

    /**
     * @param timeout        NODE_TIMEOUT_MS, the deadline of one call
     * @param maxConcurrency MAX_CONCURRENCY, calls in flight at once
     * @param queueWait      how long a call waits for a free slot before failing with OVERLOADED
     */
    public JsonRpcChainNode(URI url, Duration timeout, int maxConcurrency, Duration queueWait) {
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw new IllegalArgumentException("RPC_URL must be an http or https URL");
        }
        if (timeout.isZero() || timeout.isNegative() || maxConcurrency < 1 || queueWait.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive, max concurrency at least 1, queue wait not negative");
        }
        this.url = url;
        // the URL's path or query may carry a provider API key: only host and port are ever shown
        this.nodeLabel = url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
        this.timeout = timeout;
        this.queueWait = queueWait;
        this.slots = new Semaphore(maxConcurrency, true);
        this.timeLimiter = TimeLimiter.of("node-" + nodeLabel,
                TimeLimiterConfig.custom().timeoutDuration(timeout).cancelRunningFuture(true).build());
        // Virtual threads: the client's hand-offs park cheaply instead of growing a pool of platform threads.
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("node-rpc-", 1).factory());
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .executor(executor)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
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
            return txHash(rpc("eth_sendRawTransaction", params(rawHex)));
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
        JsonNode block = receipt.get("blockNumber");
        if (block == null || block.isNull()) {
            return Optional.empty();
        }
        BigInteger status = quantity(receipt.get("status"), "receipt status");
        return Optional.of(new Receipt(hash, longQuantity(block, "receipt blockNumber"),
                blockHash(receipt.get("blockHash"), "receipt blockHash"), status.signum() != 0));
    }

    private String blockHash(JsonNode node, String what) {
        if (node == null || !node.isTextual() || !node.asText().matches("0x[0-9a-fA-F]{64}")) {
            throw bad(what + " is not a 32-byte hash");
        }
        return node.asText().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String call(String method, String paramsJson) {
        JsonNode result = exchange(request(method, RelayParams.parse(JSON, method, paramsJson)), true);
        try {
            return JSON.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
        }
    }

    /** Stops the HTTP client and its threads; calls in flight fail. */
    @Override
    public void close() {
        http.shutdownNow();
        executor.shutdownNow();
        try {
            executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "JsonRpcChainNode[" + nodeLabel + "]";
    }

    // --- JSON-RPC exchange ---

    private JsonNode rpc(String method, ArrayNode params) {
        return exchange(request(method, params), false);
    }

    /** One request; {@code relay} keeps every node error object as RPC_ERROR instead of classifying it. */
    private JsonNode exchange(ObjectNode request, boolean relay) {
        String method = request.get("method").asText();
        HttpResponse<byte[]> response = post(method, request);
        JsonNode body = parseOrNull(response.body());
        long id = request.get("id").longValue();
        boolean idMatches = body != null && body.isObject() && body.path("id").isIntegralNumber() && body.get("id").longValue() == id;
        boolean hasError = body != null && body.isObject() && body.hasNonNull("error");
        // an error about an unparseable request may come back with a null id
        boolean errorForUs = hasError && (idMatches || body.path("id").isNull() || body.path("id").isMissingNode());
        if (response.statusCode() / 100 != 2) {
            if (errorForUs) {
                throw nodeError(method, body.get("error"), relay);
            }
            throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered " + method + " with HTTP " + response.statusCode());
        }
        if (body == null || !body.isObject()) {
            throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered " + method + " with something that is not a JSON-RPC response"
                    + response.headers().firstValue("content-type").map(t -> " (" + t + ")").orElse(""));
        }
        if (errorForUs) {
            throw nodeError(method, body.get("error"), relay);
        }
        if (!idMatches) {
            throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered " + method + " with a response for another request id");
        }
        if (!body.has("result")) {
            throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered " + method + " without a result");
        }
        return body.get("result");
    }

    /** A batch whose results come back in request order; any item error fails the whole batch. */
    private List<JsonNode> batch(List<ObjectNode> requests) {
        ArrayNode array = JSON.createArrayNode();
        requests.forEach(array::add);
        String label = "batch of " + requests.size() + " " + requests.getFirst().get("method").asText();
        HttpResponse<byte[]> response = post(label, array);
        JsonNode body = parseOrNull(response.body());
        if (response.statusCode() / 100 != 2 || body == null || !body.isArray()) {
            // Some providers refuse batches: ask one by one rather than fail.
            if (body != null && body.isObject() && body.hasNonNull("error")) {
                LOG.log(System.Logger.Level.DEBUG, "node {0} refused a batch request; asking one by one", nodeLabel);
                return requests.stream().map(r -> exchange(r, false)).toList();
            }
            if (response.statusCode() / 100 != 2) {
                throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered a " + label + " with HTTP " + response.statusCode());
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
                throw nodeError(request.get("method").asText(), item.get("error"), false);
            }
            if (!item.has("result")) {
                throw new NodeException(NodeFailure.BAD_RESPONSE, "node " + nodeLabel + " answered a " + label + " without a result");
            }
            results.add(item.get("result"));
        }
        return results;
    }

    private HttpResponse<byte[]> post(String label, JsonNode payload) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
        acquireSlot(label);
        try {
            HttpRequest request = HttpRequest.newBuilder(url)
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            HttpResponse<byte[]> response = timeLimiter.executeFutureSupplier(
                    () -> http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()));
            if (response.statusCode() == 429) {
                throw new NodeException(NodeFailure.RATE_LIMITED, "node " + nodeLabel + " is rate limiting (HTTP 429) " + label);
            }
            return response;
        } catch (NodeException e) {
            throw e;
        } catch (HttpConnectTimeoutException e) {
            throw new NodeException(NodeFailure.UNREACHABLE, "cannot connect to node " + nodeLabel + " within " + timeout.toMillis() + " ms", null, null, e);
        } catch (TimeoutException | HttpTimeoutException | CancellationException e) {
            throw timeoutFor(label, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(NodeFailure.TIMEOUT, "interrupted while waiting for node " + nodeLabel + " to answer " + label, null, null, e);
        } catch (IOException e) {
            throw new NodeException(NodeFailure.UNREACHABLE, "cannot reach node " + nodeLabel + " for " + label + " (" + e.getClass().getSimpleName() + ")", null, null, e);
        } catch (Exception e) {
            throw new NodeException(NodeFailure.UNREACHABLE, "call to node " + nodeLabel + " failed for " + label + " (" + e.getClass().getSimpleName() + ")", null, null, e);
        } finally {
            slots.release();
        }
    }

    private void acquireSlot(String label) {
        boolean acquired;
        try {
            acquired = slots.tryAcquire(queueWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(NodeFailure.OVERLOADED, "interrupted while waiting for a free node connection slot for " + label);
        }
        if (!acquired) {
            throw new NodeException(NodeFailure.OVERLOADED, "too many node calls in flight; " + label + " not sent");
        }
    }

    private NodeException timeoutFor(String label, Exception cause) {
        return new NodeException(NodeFailure.TIMEOUT, "node " + nodeLabel + " did not answer " + label + " within " + timeout.toMillis() + " ms", null, null, cause);
    }

    private static NodeException nodeError(String method, JsonNode error, boolean relay) {
        Integer code = error.path("code").isIntegralNumber() ? error.get("code").intValue() : null;
        String message = error.path("message").isTextual() ? error.get("message").asText() : error.toString();
        JsonNode data = error.get("data");
        String dataJson = data == null || data.isNull() ? null : data.toString();
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

    private TxHash txHash(JsonNode node) {
        try {
            return new TxHash(node.isTextual() ? node.asText() : null);
        } catch (IllegalArgumentException e) {
            throw bad("eth_sendRawTransaction did not return a transaction hash");
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
