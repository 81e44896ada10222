package com.dytallix.adapters.http;

import com.dytallix.application.relay.RelayService;
import com.dytallix.domain.grant.LimitScope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.Optional;

/**
 * POST /api/rpc, the JSON-RPC relay over HTTP. The body is parsed strictly (duplicate keys
 * refused), and the node only ever gets a request of ours: our id, the method the policy allowed,
 * and params that were parsed whole as one JSON value (and checked again for the method by the
 * node adapter). A single JSON-RPC request, by far the most frequent body, is read with the
 * streaming parser ({@link JsonRpcRelay.Call#read}), which passes the params on as the client
 * spaced them; anything else as a tree.
 *
 * <p>Simple form {@code {"method", "params"}} (no "jsonrpc" member): 200 {@code {"result"}}, the
 * contract's envelope otherwise (400 RPC_ERROR with the node's error, 403 RPC_METHOD_NOT_ALLOWED,
 * 429 over RPC_RATE_LIMIT_PER_MINUTE, 502/503/504 when the node fails).
 *
 * <p>Standard JSON-RPC 2.0 (an object with {@code "jsonrpc"}, or a batch array): handed to
 * {@link JsonRpcRelay}, which the WebSocket endpoint shares. Malformed JSON that was meant as
 * JSON-RPC (it opens a batch or names "jsonrpc") answers -32700 with HTTP 400; other malformed
 * bodies get the contract's envelope.
 */
final class RpcHttpService implements HttpService {
    /** The simple form's answer around the node's result: {@code {"result":…}}. */
    private static final byte[] SIMPLE_HEAD = "{\"result\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SIMPLE_TAIL = {'}'};

    private final JsonRpcRelay jsonRpc;
    private final RequestRateLimiter limiter;
    private final Bodies bodies;
    private final AnswerWriter answers;

    /** @param limiter RPC_RATE_LIMIT_PER_MINUTE per client, shared with {@code jsonRpc} */
    RpcHttpService(JsonRpcRelay jsonRpc, RequestRateLimiter limiter, Bodies bodies, AnswerWriter answers) {
        this.jsonRpc = jsonRpc;
        this.answers = answers;
        this.limiter = limiter;
        this.bodies = bodies;
    }

    @Override
    public void routing(HttpRules rules) {
        Routes.on(rules, "/api").path("/rpc").post(this::rpc).get(RpcHttpService::upgradeRequired).register();
    }

    /**
     * A GET that did not ask for the WebSocket upgrade, or asked without Sec-WebSocket-Version: 13
     * ({@link PieceLimitedWsUpgrade} leaves such a handshake to routing; the upgrade itself never
     * reaches routing's handlers).
     */
    private static void upgradeRequired(ServerRequest req, ServerResponse res) {
        String message = req.headers().contains(HeaderNames.UPGRADE)
                ? "a WebSocket handshake must send Sec-WebSocket-Version: 13, the only version there is (RFC 6455)"
                : "GET /api/rpc is the JSON-RPC WebSocket: send Upgrade: websocket (or POST a JSON-RPC request)";
        throw new ApiException(426, "INVALID_REQUEST", message, null,
                java.util.Map.of("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13"));
    }

    private void rpc(ServerRequest req, ServerResponse res) {
        byte[] raw = bodies.bytes(req);
        RequestInfo info = RequestInfo.current();
        if (raw.length > 0) {
            Bodies.requireJsonType(req);
            if (!Bodies.utf8(raw)) {
                // JSON-RPC's own parse error where one was meant; else the contract's envelope
                if (meantAsJsonRpc(raw)) {
                    send(res, JsonRpcRelay.parseError("the request body is not valid UTF-8 (JSON is read as UTF-8 only)"), info.requestId());
                    return;
                }
                throw Bodies.notUtf8();
            }
        }
        JsonRpcRelay.Call call = JsonRpcRelay.Call.read(raw);
        if (call != null) {
            send(res, jsonRpc.handle(call, info.clientIp(), info.requestId()), info.requestId());
            return;
        }
        JsonNode body;
        try {
            body = raw.length == 0 ? null : Json.MAPPER.readTree(raw);
        } catch (IOException e) {
            if (meantAsJsonRpc(raw)) {
                send(res, JsonRpcRelay.parseError(e), info.requestId());
                return;
            }
            body = null;
        } catch (RuntimeException numberOutOfRange) {
            // the strict parser's refusal of an unbounded number: a JSON-RPC client gets it as a parse error,
            // anything else the contract's envelope (Json.parse words it below)
            if (meantAsJsonRpc(raw)) {
                send(res, JsonRpcRelay.parseError("a number is out of range"), info.requestId());
                return;
            }
            body = null;
        }
        if (body == null || body.isMissingNode()) {
            body = Json.parse(raw); // the contract's envelope says what is wrong
        }
        if (body.isArray() || body.isObject() && body.has("jsonrpc")) {
            send(res, jsonRpc.handle(body, info.clientIp(), info.requestId()), info.requestId());
        } else if (body.isObject()) {
            simple(res, (ObjectNode) body, info);
        } else {
            throw ApiException.invalidRequest("body", "must be a JSON-RPC request object or a batch array");
        }
    }

    private void send(ServerResponse res, JsonRpcRelay.Reply reply, String requestId) {
        // the busy answer is small: it takes nothing from the writer's budget
        JsonRpcRelay.Reply sent = reply.body().isPresent() && !answers.take(reply.body().get()) ? JsonRpcRelay.busy(requestId) : reply;
        sent.failure().ifPresent(f -> HttpEdge.logFailure(f.code(), sent.status(), f.getMessage()));
        sent.headers().forEach(res::header);
        if (sent.body().isEmpty()) {
            res.status(Status.create(sent.status()));
            res.send();
            return;
        }
        answers.write(res, Status.create(sent.status()), sent.body().get());
    }

    /** A body that opens a batch or names "jsonrpc" was meant as JSON-RPC, even when it does not parse. */
    private static boolean meantAsJsonRpc(byte[] raw) {
        for (byte b : raw) {
            if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                continue;
            }
            if (b == '[') {
                return true;
            }
            break;
        }
        return new String(raw, StandardCharsets.UTF_8).contains("\"jsonrpc\"");
    }

    private void simple(ServerResponse res, ObjectNode body, RequestInfo info) {
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
        Optional<Instant> refusedUntil = limiter.acquire(info.clientIp(), 1);
        if (refusedUntil.isPresent()) {
            throw ErrorMapper.rateLimited(LimitScope.REQUESTS.wireName(), refusedUntil.get(),
                    "too many JSON-RPC requests from this client (RPC_RATE_LIMIT_PER_MINUTE); retry after the time in Retry-After");
        }
        if (!JsonRpcRelay.methodName(method.asText())) {
            throw new ApiException(403, "RPC_METHOD_NOT_ALLOWED", RelayService.MethodNotAllowed.UNNAMED);
        }
        AnswerBody answer = AnswerBody.around(SIMPLE_HEAD, jsonRpc.forward(info.clientIp(), method.asText(), JsonRpcRelay.paramsJson(params)), SIMPLE_TAIL);
        if (!answers.take(answer)) {
            throw JsonRpcRelay.busy();
        }
        answers.write(res, Status.OK_200, answer);
    }
}
