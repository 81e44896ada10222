package com.dytallix.adapters.http;

import com.dytallix.application.relay.RelayService;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * POST /api/rpc, the JSON-RPC relay. The body is parsed once, strictly (duplicate keys refused),
 * and the node only ever gets a request this service serialised itself from the parsed method and
 * params, never the client's bytes.
 *
 * <p>Simple form {@code {"method", "params"}} (no "jsonrpc" member): 200 {@code {"result"}}, the
 * contract's envelope otherwise (400 RPC_ERROR with the node's error, 403 RPC_METHOD_NOT_ALLOWED,
 * 502/503/504 when the node fails).
 *
 * <p>Standard JSON-RPC 2.0 (an object with {@code "jsonrpc": "2.0"}, or a batch array): JSON-RPC
 * responses with the ids as sent. Errors that are about the call itself answer HTTP 200 with an
 * error object, as Ethereum nodes do, because ethers, web3j and alloy/cast only read error objects
 * from a 2xx answer: -32600 invalid request (also an empty or oversized batch, as one error with id
 * null), -32601 method not allowed here, and the node's own error object unchanged (code, message,
 * data, so revert data reaches the client). When the node itself fails, a single standard request
 * keeps the HTTP status the simple form has (504 timeout, 502 unavailable, 503 + Retry-After
 * overloaded), with a JSON-RPC error body: clients treat it as a failed call and alloy/cast retry
 * it, and the 5xx shows in the error-rate metrics. Inside a batch a failure is that item's error
 * object and the batch answers 200. Our own failure codes: -32002 node unavailable or timed out,
 * -32005 node overloaded (limit exceeded, EIP-1474), -32603 internal error; {@code data.code}
 * carries the contract's code (e.g. RPC_TIMEOUT) and {@code data.requestId} the request id.
 * Notifications (no "id") are forwarded and get no answer; a batch of notifications only, or a
 * single one, answers 204 without a body.
 */
public final class RpcHttpService implements HttpService {
    static final int INVALID_REQUEST = -32600;
    static final int METHOD_NOT_ALLOWED = -32601;
    static final int INTERNAL_ERROR = -32603;
    static final int NODE_UNAVAILABLE = -32002;
    static final int NODE_OVERLOADED = -32005;
    /** Shapes of real method names; anything else is refused without being echoed. */
    private static final Pattern METHOD_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,99}");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final RelayService relay;
    private final Bodies bodies;
    final int maxBatch;

    /** @param maxBatch RPC_MAX_BATCH: the most requests one batch may hold */
    public RpcHttpService(RelayService relay, Bodies bodies, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1");
        }
        this.relay = relay;
        this.bodies = bodies;
        this.maxBatch = maxBatch;
    }

    @Override
    public void routing(HttpRules rules) {
        Routes.on(rules, "/api").path("/rpc").post(this::rpc).get(RpcHttpService::upgradeRequired).register();
    }

    /** A GET that did not ask for the WebSocket upgrade (the upgrade itself never reaches routing's handlers). */
    private static void upgradeRequired(ServerRequest req, ServerResponse res) {
        throw new ApiException(426, "INVALID_REQUEST", "GET /api/rpc is the JSON-RPC WebSocket: send Upgrade: websocket "
                + "(or POST a JSON-RPC request)", null, java.util.Map.of("Upgrade", "websocket", "Connection", "Upgrade"));
    }

    private void rpc(ServerRequest req, ServerResponse res) {
        JsonNode body = bodies.json(req, false);
        String requestId = RequestInfo.of(req).requestId();
        if (body.isArray()) {
            batch(res, (ArrayNode) body, requestId);
        } else if (body.isObject() && body.has("jsonrpc")) {
            Answer answer = answer(body, requestId);
            if (answer == null) {
                res.status(Status.NO_CONTENT_204).send();
                return;
            }
            int status = 200;
            if (answer.failure() != null && answer.failure().status() >= 500) {
                status = answer.failure().status();
                answer.failure().headers().forEach(res::header);
                HttpEdge.logFailure(answer.failure().code(), status, answer.failure().getMessage());
            }
            Responses.json(res, Status.create(status), answer.body());
        } else if (body.isObject()) {
            simple(res, (ObjectNode) body);
        } else {
            throw ApiException.invalidRequest("body", "must be a JSON-RPC request object or a batch array");
        }
    }

    private void simple(ServerResponse res, ObjectNode body) {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("method") && !name.equals("params")) {
                throw ApiException.invalidRequest("body", "unknown field; the simple form takes method and params "
                        + "(send \"jsonrpc\": \"2.0\" for standard JSON-RPC)");
            }
        }
        JsonNode method = body.get("method");
        if (method == null || method.isNull()) {
            throw ApiException.invalidRequest("method", "is required");
        }
        if (!method.isTextual()) {
            throw ApiException.invalidRequest("method", "must be a string");
        }
        JsonNode params = body.get("params");
        if (params != null && !params.isNull() && !params.isArray() && !params.isObject()) {
            throw ApiException.invalidRequest("params", "must be an array or an object");
        }
        if (!METHOD_NAME.matcher(method.asText()).matches()) {
            throw new ApiException(403, "RPC_METHOD_NOT_ALLOWED", "this method is not allowed on this relay");
        }
        String result = relay.forward(method.asText(), paramsJson(params));
        ObjectNode out = NODES.objectNode();
        out.putRawValue("result", new RawValue(result));
        Responses.ok(res, out);
    }

    private void batch(ServerResponse res, ArrayNode items, String requestId) {
        if (items.isEmpty()) {
            Responses.ok(res, error(NullNode.instance, INVALID_REQUEST, "Invalid Request: empty batch", null));
            return;
        }
        if (items.size() > maxBatch) {
            Responses.ok(res, error(NullNode.instance, INVALID_REQUEST,
                    "Invalid Request: batch of " + items.size() + " requests is over the limit of " + maxBatch, null));
            return;
        }
        List<Answer> answers = new ArrayList<>(items.size());
        if (items.size() == 1) {
            answers.add(answer(items.get(0), requestId));
        } else {
            // items wait on the node independently: a slow one does not hold up the others
            try (ExecutorService each = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Answer>> pending = new ArrayList<>(items.size());
                items.forEach(item -> pending.add(each.submit(() -> answer(item, requestId))));
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
        ArrayNode out = NODES.arrayNode();
        for (Answer a : answers) {
            if (a == null) {
                continue;
            }
            if (a.failure() != null && a.failure().status() >= 500) {
                HttpEdge.logFailure(a.failure().code(), a.failure().status(), "batch item: " + a.failure().getMessage());
            }
            out.add(a.body());
        }
        if (out.isEmpty()) {
            res.status(Status.NO_CONTENT_204).send();
            return;
        }
        Responses.ok(res, out);
    }

    /** One JSON-RPC 2.0 answer, with the failure behind it when the node failed; null for a notification. */
    record Answer(ObjectNode body, ApiException failure) {
    }

    /** One standard JSON-RPC 2.0 request through the relay's policy; the WebSocket endpoint answers with it too. */
    Answer answer(JsonNode item, String requestId) {
        if (!item.isObject()) {
            return new Answer(error(NullNode.instance, INVALID_REQUEST, "Invalid Request: expected a JSON object", null), null);
        }
        JsonNode id = item.get("id");
        boolean notification = id == null;
        if (id != null && !id.isTextual() && !id.isNumber() && !id.isNull()) {
            return new Answer(error(NullNode.instance, INVALID_REQUEST, "Invalid Request: id must be a string, a number or null", null), null);
        }
        JsonNode replyId = id == null ? NullNode.instance : id;
        JsonNode version = item.get("jsonrpc");
        if (version == null || !version.isTextual() || !version.asText().equals("2.0")) {
            return new Answer(error(replyId, INVALID_REQUEST, "Invalid Request: jsonrpc must be \"2.0\"", null), null);
        }
        JsonNode method = item.get("method");
        if (method == null || !method.isTextual()) {
            return new Answer(error(replyId, INVALID_REQUEST, "Invalid Request: method must be a string", null), null);
        }
        JsonNode params = item.get("params");
        if (params != null && !params.isArray() && !params.isObject()) {
            return new Answer(error(replyId, INVALID_REQUEST, "Invalid Request: params must be an array or an object", null), null);
        }
        Answer answer;
        if (!METHOD_NAME.matcher(method.asText()).matches()) {
            answer = new Answer(error(replyId, METHOD_NOT_ALLOWED, "this method is not allowed on this relay", null), null);
        } else {
            answer = call(replyId, method.asText(), params, requestId);
        }
        return notification ? null : answer;
    }

    private Answer call(JsonNode id, String method, JsonNode params, String requestId) {
        try {
            String result = relay.forward(method, paramsJson(params));
            ObjectNode out = NODES.objectNode();
            out.put("jsonrpc", "2.0");
            out.set("id", id);
            out.putRawValue("result", new RawValue(result));
            return new Answer(out, null);
        } catch (RelayService.MethodNotAllowed e) {
            return new Answer(error(id, METHOD_NOT_ALLOWED, e.getMessage(), null), null);
        } catch (NodeException e) {
            if (!e.failure().isTransient()) {
                // the node answered with an error object: passed on as it came
                JsonNode data = e.rpcDataJson().map(RpcHttpService::readJson).orElse(null);
                return new Answer(error(id, e.rpcCode().orElse(-32000), e.getMessage(), data), null);
            }
            ApiException failure = ErrorMapper.node(e);
            int code = e.failure() == NodeFailure.OVERLOADED ? NODE_OVERLOADED : NODE_UNAVAILABLE;
            return new Answer(error(id, code, failure.getMessage(), ours(failure, requestId)), failure);
        } catch (RuntimeException e) {
            ApiException failure = ErrorMapper.map(e);
            boolean server = failure.status() >= 500;
            return new Answer(error(id, server ? INTERNAL_ERROR : INVALID_REQUEST, failure.getMessage(),
                    ours(failure, requestId)), server ? failure : null);
        }
    }

    private static ObjectNode ours(ApiException failure, String requestId) {
        ObjectNode data = NODES.objectNode();
        data.put("code", failure.code());
        data.put("requestId", requestId);
        return data;
    }

    private static JsonNode readJson(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            return NODES.textNode(json);
        }
    }

    private static String paramsJson(JsonNode params) {
        try {
            return Json.MAPPER.writeValueAsString(params == null || params.isNull() ? NODES.arrayNode() : params);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serialises", e);
        }
    }

    static ObjectNode error(JsonNode id, int code, String message, JsonNode data) {
        ObjectNode error = NODES.objectNode();
        error.put("code", code);
        error.put("message", message);
        if (data != null) {
            error.set("data", data);
        }
        ObjectNode out = NODES.objectNode();
        out.put("jsonrpc", "2.0");
        out.set("id", id);
        out.set("error", error);
        return out;
    }
}
