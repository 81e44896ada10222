package com.dytallix.adapters.http;

import com.dytallix.application.relay.RelayFilters;
import com.dytallix.application.relay.RelayService;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.sync.RawJson;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The relay's one entry point for standard JSON-RPC 2.0, whatever carries it (HTTP now, a
 * WebSocket frame as well): one request or a batch in, the answer out. Policy, the
 * per-client request limit (a batch counts its items), ids and error objects are decided here
 * and only here.
 *
 * <p>Errors about the call itself are JSON-RPC error objects, as Ethereum nodes answer them:
 * -32700 malformed JSON, -32600 invalid request (also an empty or oversized batch, as one error
 * with id null), -32601 a method this relay does not serve (worded as nodes word it, since clients
 * decide their fallbacks from the text), and the node's own error object unchanged (code, message,
 * data, so revert data reaches the client). When the node itself fails, a single request's answer
 * carries the HTTP status the contract gives that failure (504 timeout, 502 unavailable, 503
 * overloaded) for carriers that have one; inside a batch a failure is that item's error object.
 * Our own codes: -32002 node unavailable or timed out, -32005 limit exceeded (node overloaded,
 * the client over RPC_RATE_LIMIT_PER_MINUTE, or a new filter past RPC_MAX_FILTERS), -32603 internal error; {@code data.code} carries
 * the contract's code (e.g. RPC_TIMEOUT) and {@code data.requestId} the request id.
 * Notifications (no "id") are forwarded and get no answer.
 */
final class JsonRpcRelay {
    static final int PARSE_ERROR = -32700;
    static final int INVALID_REQUEST = -32600;
    static final int METHOD_NOT_FOUND = -32601;
    static final int INTERNAL_ERROR = -32603;
    static final int NODE_UNAVAILABLE = -32002;
    static final int LIMIT_EXCEEDED = -32005;
    private static final String VERSION = "2.0";

    private final RelayService relay;
    private final FinalityCache cache;
    private final RequestRateLimiter limiter;
    private final int maxBatch;

    /**
     * @param cache    answers that cannot change any more (RPC_CACHE_MAX_BYTES)
     * @param limiter  RPC_RATE_LIMIT_PER_MINUTE per client
     * @param maxBatch RPC_MAX_BATCH: the most requests one batch may hold
     */
    JsonRpcRelay(RelayService relay, FinalityCache cache, RequestRateLimiter limiter, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1");
        }
        this.relay = relay;
        this.cache = cache;
        this.limiter = limiter;
        this.maxBatch = maxBatch;
    }

    /**
     * One method call through the policy, from the finality cache when its answer cannot change
     * any more (the HTTP simple form and every JSON-RPC request go through here).
     *
     * @param client     who asks: the filters it makes on the node are counted against it
     * @param paramsJson the params as the node gets them (a JSON array or object serialised by us)
     * @return the node's {@code result} as it wrote it
     */
    RawJson forward(ClientIp client, String method, String paramsJson) {
        if (!relay.allows(method)) {
            return relay.forward(client, method, paramsJson); // refused there, and counted
        }
        return cache.answer(method, paramsJson, p -> relay.forward(client, method, p));
    }

    /**
     * What to send back.
     *
     * @param status  the HTTP status for carriers that have one
     * @param body    the JSON-RPC answer; empty when there is nothing to answer (notifications only)
     * @param headers extra headers (Retry-After) for carriers that have them
     * @param failure the failure behind a 5xx or 429 answer, for the log line
     */
    public record Reply(int status, Optional<AnswerBody> body, Map<String, String> headers, Optional<ApiException> failure) {
    }

    /** A JSON-RPC 2.0 answer as it goes on the wire (record components in wire order). */
    sealed interface Response permits Result, Failure {
    }

    /** A call's result: the node's JSON as it came ({@link RawJson}), or a value of ours (written by Jackson). */
    record Result(String jsonrpc, JsonNode id, Object result) implements Response {
        Result(JsonNode id, Object result) {
            this(VERSION, id, result);
        }
    }

    record Failure(String jsonrpc, JsonNode id, ErrorObject error) implements Response {
    }

    /** {@code data} only when there is some: the node's own, or ours. */
    record ErrorObject(int code, String message, @JsonInclude(JsonInclude.Include.NON_NULL) Object data) {
    }

    /** Our error data: the contract's code, the request id, and when a limit lets the client in again. */
    record OurData(String code, String requestId, @JsonInclude(JsonInclude.Include.NON_NULL) String resetAt) {
    }

    /**
     * One request object's members as the policy reads them.
     *
     * @param id            null when absent (a notification)
     * @param version       the "jsonrpc" member, null when absent
     * @param method        null when absent
     * @param paramsJson    the params as the node gets them, serialised by us ({@code []} when absent or null)
     * @param paramsInvalid params that are neither an array, an object nor null
     */
    record Call(JsonNode id, JsonNode version, JsonNode method, String paramsJson, boolean paramsInvalid) {
        static Call of(JsonNode item) {
            JsonNode params = item.get("params");
            boolean invalid = params != null && !params.isNull() && !params.isArray() && !params.isObject();
            return new Call(item.get("id"), item.get("jsonrpc"), item.get("method"), invalid ? "[]" : JsonRpcRelay.paramsJson(params), invalid);
        }

        /**
         * A body that is one JSON-RPC 2.0 request object, read with the streaming parser, without a
         * tree of the request: the params are the body's own span of text for them, taken only once
         * the parser has read that span whole as one JSON array or object (every string decoded, no
         * duplicate key, no fraction or exponent), so it is exactly the value the tree would hold, as
         * the client spaced it. Null for anything else (a batch, the simple form, malformed JSON, a
         * duplicate key, a fraction or an exponent anywhere): the tree reads those, and words their
         * errors, as before.
         */
        static Call read(byte[] body) {
            try (JsonParser p = Json.MAPPER.createParser(body)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                JsonNode id = null;
                JsonNode version = null;
                JsonNode method = null;
                String params = "[]";
                boolean invalid = false;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken value = p.nextToken();
                    if (value == JsonToken.VALUE_NUMBER_FLOAT) {
                        return null;
                    }
                    switch (name) {
                        case "id" -> id = scalar(p);
                        case "jsonrpc" -> version = scalar(p);
                        case "method" -> method = scalar(p);
                        case "params" -> {
                            if (value == JsonToken.START_ARRAY || value == JsonToken.START_OBJECT) {
                                int start = (int) p.currentTokenLocation().getByteOffset();
                                if (!walk(p)) {
                                    return null;
                                }
                                params = new String(body, start, (int) p.currentLocation().getByteOffset() - start, StandardCharsets.UTF_8);
                            } else if (value != JsonToken.VALUE_NULL) {
                                invalid = true;
                                p.skipChildren();
                            }
                        }
                        default -> {
                            if (!walk(p)) {
                                return null;
                            }
                        }
                    }
                    if (name.equals("id") && id == null || name.equals("jsonrpc") && version == null || name.equals("method") && method == null) {
                        return null;
                    }
                }
                if (version == null || p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                    return null;
                }
                return new Call(id, version, method, params, invalid);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        /** The scalar at the parser's current token as a node, as the tree would hold it; null for an object or an array. */
        private static JsonNode scalar(JsonParser p) throws IOException {
            JsonNodeFactory nodes = Json.MAPPER.getNodeFactory();
            return switch (p.currentToken()) {
                case VALUE_STRING -> nodes.textNode(p.getText());
                case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                    case INT -> nodes.numberNode(p.getIntValue());
                    case LONG -> nodes.numberNode(p.getLongValue());
                    default -> nodes.numberNode(p.getBigIntegerValue());
                };
                case VALUE_TRUE -> nodes.booleanNode(true);
                case VALUE_FALSE -> nodes.booleanNode(false);
                case VALUE_NULL -> nodes.nullNode();
                default -> null;
            };
        }

        /**
         * Reads the value at the parser's current token to its last token, each string decoded (so
         * malformed UTF-8 fails here as it fails the tree); false when it holds a fraction or an exponent.
         */
        private static boolean walk(JsonParser p) throws IOException {
            int depth = 0;
            do {
                JsonToken t = p.currentToken();
                if (t == JsonToken.VALUE_NUMBER_FLOAT) {
                    return false;
                }
                if (t == JsonToken.VALUE_STRING) {
                    p.finishToken();
                } else if (t.isStructStart()) {
                    depth++;
                } else if (t.isStructEnd()) {
                    depth--;
                }
            } while (depth > 0 && p.nextToken() != null);
            return true;
        }
    }

    /** The answer for a body that failed to parse as JSON. */
    static Reply parseError(IOException e) {
        return parseError(e instanceof JsonProcessingException p ? Json.whyNotRead(p) : "malformed JSON");
    }

    static Reply parseError(String why) {
        return reply(400, error(NullNode.instance, PARSE_ERROR, "Parse error: " + why, null));
    }

    /** One JSON-RPC request or batch, parsed (the HTTP service parses once to tell the simple form apart). */
    public Reply handle(JsonNode request, ClientIp client, String requestId) {
        if (request.isArray()) {
            return batch((ArrayNode) request, client, requestId);
        }
        if (!request.isObject()) {
            return reply(200, error(NullNode.instance, INVALID_REQUEST, "Invalid Request: expected a JSON object or a batch array", null));
        }
        return handle(Call.of(request), client, requestId);
    }

    /** One JSON-RPC request, read by {@link Call#read} or taken from a tree. */
    Reply handle(Call request, ClientIp client, String requestId) {
        Optional<Reply> limited = limit(client, 1, requestId);
        if (limited.isPresent()) {
            return limited.get();
        }
        Answer answer = answer(request, client, requestId);
        if (answer == null) {
            return new Reply(204, Optional.empty(), Map.of(), Optional.empty());
        }
        if (answer.failure() != null && answer.failure().status() >= 500) {
            return new Reply(answer.failure().status(), Optional.of(body(answer.body())), answer.failure().headers(),
                    Optional.of(answer.failure()));
        }
        return reply(200, answer.body());
    }

    private Reply batch(ArrayNode items, ClientIp client, String requestId) {
        if (items.isEmpty()) {
            return reply(200, error(NullNode.instance, INVALID_REQUEST, "Invalid Request: empty batch", null));
        }
        if (items.size() > maxBatch) {
            return reply(200, error(NullNode.instance, INVALID_REQUEST,
                    "Invalid Request: batch of " + items.size() + " requests is over the limit of " + maxBatch, null));
        }
        Optional<Reply> limited = limit(client, items.size(), requestId);
        if (limited.isPresent()) {
            return limited.get();
        }
        List<Answer> answers = new ArrayList<>(items.size());
        if (items.size() == 1) {
            answers.add(answer(items.get(0), client, requestId));
        } else {
            // items wait on the node independently: a slow one does not hold up the others
            try (ExecutorService each = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Answer>> pending = new ArrayList<>(items.size());
                items.forEach(item -> pending.add(each.submit(() -> answer(item, client, requestId))));
                for (Future<Answer> f : pending) {
                    answers.add(f.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while relaying a batch", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("relaying a batch item failed", e.getCause());
            }
        }
        List<Response> out = new ArrayList<>(answers.size());
        List<ApiException> failed = new ArrayList<>();
        for (Answer a : answers) {
            if (a == null) {
                continue;
            }
            if (a.failure() != null && a.failure().status() >= 500) {
                failed.add(a.failure());
            }
            out.add(a.body());
        }
        HttpEdge.logFailures("batch items", items.size(), failed);
        if (out.isEmpty()) {
            return new Reply(204, Optional.empty(), Map.of(), Optional.empty());
        }
        return reply(200, out);
    }

    /** A large answer that does not fit the memory set aside for answers being written ({@link AnswerWriter}). */
    static ApiException busy() {
        return new ApiException(503, "NODE_UNAVAILABLE", "the server is busy writing other large answers; retry shortly",
                null, Map.of("Retry-After", "1"));
    }

    /** {@link #busy()} as a JSON-RPC error (id null: the answer it replaces is not read again for its ids). */
    static Reply busy(String requestId) {
        ApiException failure = busy();
        return new Reply(503, Optional.of(body(error(NullNode.instance, LIMIT_EXCEEDED, failure.getMessage(),
                ours(failure, requestId)))), failure.headers(), Optional.of(failure));
    }

    /** RPC_RATE_LIMIT_PER_MINUTE: a batch takes one permit per item, all or none. */
    private Optional<Reply> limit(ClientIp client, int permits, String requestId) {
        Optional<Instant> refusedUntil = limiter.acquire(client, permits);
        if (refusedUntil.isEmpty()) {
            return Optional.empty();
        }
        ApiException failure = ErrorMapper.rateLimited(LimitScope.REQUESTS.wireName(), refusedUntil.get(),
                "too many JSON-RPC requests from this client (RPC_RATE_LIMIT_PER_MINUTE); retry after the time in Retry-After");
        OurData data = new OurData(failure.code(), requestId, Responses.time(refusedUntil.get()));
        return Optional.of(new Reply(429, Optional.of(body(error(NullNode.instance, LIMIT_EXCEEDED, failure.getMessage(), data))),
                failure.headers(), Optional.of(failure)));
    }

    /** One JSON-RPC 2.0 answer, with the failure behind it when the node failed; null for a notification. */
    record Answer(Response body, ApiException failure) {
    }

    /** RPC_MAX_BATCH. */
    int maxBatch() {
        return maxBatch;
    }

    /** One standard JSON-RPC 2.0 request through the relay's policy (the WebSocket endpoint answers with it too). */
    Answer answer(JsonNode item, ClientIp client, String requestId) {
        if (!item.isObject()) {
            return new Answer(error(NullNode.instance, INVALID_REQUEST, "Invalid Request: expected a JSON object", null), null);
        }
        return answer(Call.of(item), client, requestId);
    }

    private Answer answer(Call request, ClientIp client, String requestId) {
        JsonNode id = request.id();
        boolean notification = id == null;
        if (id != null && !id.isTextual() && !id.isNumber() && !id.isNull()) {
            return new Answer(error(NullNode.instance, INVALID_REQUEST, "Invalid Request: id must be a string, a number or null", null), null);
        }
        JsonNode replyId = id == null ? NullNode.instance : id;
        JsonNode version = request.version();
        if (version == null || !version.isTextual() || !version.asText().equals("2.0")) {
            return new Answer(error(replyId, INVALID_REQUEST, "Invalid Request: jsonrpc must be \"2.0\"", null), null);
        }
        JsonNode method = request.method();
        if (method == null || !method.isTextual()) {
            return new Answer(error(replyId, INVALID_REQUEST, "Invalid Request: method must be a string", null), null);
        }
        if (request.paramsInvalid()) {
            return new Answer(error(replyId, INVALID_REQUEST, "Invalid Request: params must be an array or an object", null), null);
        }
        Answer answer;
        if (!methodName(method.asText())) {
            answer = new Answer(error(replyId, METHOD_NOT_FOUND, RelayService.MethodNotAllowed.UNNAMED, null), null);
        } else {
            answer = call(replyId, method.asText(), request.paramsJson(), client, requestId);
        }
        return notification ? null : answer;
    }

    private Answer call(JsonNode id, String method, String paramsJson, ClientIp client, String requestId) {
        try {
            return new Answer(new Result(id, forward(client, method, paramsJson)), null);
        } catch (RelayService.MethodNotAllowed e) {
            return new Answer(error(id, METHOD_NOT_FOUND, e.getMessage(), null), null);
        } catch (RelayFilters.LimitReached e) {
            // as the WebSocket's bounds answer: the request stays answered, the client may retry later
            long retryAfter = Math.max(1, (java.time.Duration.between(ErrorMapper.clock.instant(), e.retryAt()).toMillis() + 999) / 1000);
            return new Answer(error(id, LIMIT_EXCEEDED, e.getMessage(), new RpcWebSocket.LimitData("RATE_LIMIT",
                    LimitScope.FILTERS.wireName(), retryAfter, Responses.time(e.retryAt()), requestId)), null);
        } catch (NodeException e) {
            if (!e.failure().isTransient()) {
                // the node answered with an error object (or our own check did, worded as a node would): passed on as it came
                Object data = e.rpcDataJson().map(Json::rawOrText).orElse(null);
                return new Answer(error(id, e.rpcCode().orElse(-32000), e.getMessage(), data), null);
            }
            ApiException failure = ErrorMapper.node(e);
            int code = e.failure() == NodeFailure.OVERLOADED ? LIMIT_EXCEEDED : NODE_UNAVAILABLE;
            return new Answer(error(id, code, failure.getMessage(), ours(failure, requestId)), failure);
        } catch (RuntimeException e) {
            ApiException failure = ErrorMapper.map(e);
            boolean server = failure.status() >= 500;
            return new Answer(error(id, server ? INTERNAL_ERROR : INVALID_REQUEST, failure.getMessage(),
                    ours(failure, requestId)), server ? failure : null);
        }
    }

    /**
     * The shape of real method names, {@code [A-Za-z][A-Za-z0-9_]{0,99}}; anything else is refused
     * without being echoed. Checked by hand: it runs on every relayed call.
     */
    static boolean methodName(String name) {
        int n = name.length();
        if (n == 0 || n > 100 || !letter(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < n; i++) {
            char c = name.charAt(i);
            if (!letter(c) && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean letter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    /** The params as the node gets them: absent and null both mean none ({@code []}). */
    static String paramsJson(JsonNode params) {
        try {
            return params == null || params.isNull() ? "[]" : Json.MAPPER.writeValueAsString(params);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serialises", e);
        }
    }

    private static OurData ours(ApiException failure, String requestId) {
        return new OurData(failure.code(), requestId, null);
    }

    private static Reply reply(int status, Object body) {
        return new Reply(status, Optional.of(body(body)), Map.of(), Optional.empty());
    }

    private static final byte[] RESULT_TAIL = {'}'};

    /**
     * An answer's bytes: a response, or a list of them (a batch). A relayed result is written as the envelope's two
     * ends around the node's own bytes, which are not copied; an id of digits or of plain characters needs no JSON
     * writer (anything else goes through it); everything else is small and goes through the JSON writer.
     */
    static AnswerBody body(Object answer) {
        if (answer instanceof List<?> items) {
            return AnswerBody.array(items.stream().map(JsonRpcRelay::body).toList());
        }
        if (!(answer instanceof Result r) || !(r.result() instanceof RawJson result)) {
            return AnswerBody.of(Json.write(answer));
        }
        String id = plainId(r.id());
        if (id == null) {
            id = Json.text(r.id());
        }
        return AnswerBody.around(("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":").getBytes(StandardCharsets.UTF_8), result, RESULT_TAIL);
    }

    /** The id as JSON when it is null, a whole number of the int or long kind, or a string of printable ASCII needing no escape; else null. */
    private static String plainId(JsonNode id) {
        if (id.isNull()) {
            return "null";
        }
        if (id.isInt() || id.isLong()) {
            return Long.toString(id.longValue());
        }
        if (!id.isTextual()) {
            return null;
        }
        String text = id.textValue();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return null;
            }
        }
        return '"' + text + '"';
    }

    /** An error answer; {@code data} is left out when null. */
    static Failure error(JsonNode id, int code, String message, Object data) {
        return new Failure(VERSION, id, new ErrorObject(code, message, data));
    }
}
