package com.dytallix.adapters.http;

import io.helidon.webserver.http.HttpRouting;

/**
 * The one entry point bootstrap calls to build the HTTP API on a routing builder. Bootstrap
 * registers {@code /metrics} itself, before or after this call (the JSON 404 is registered last
 * whatever the order, and the filters see every route), and sets {@link HttpEdge#directHandlers()}
 * on the listener, for what fails before routing.
 */
public final class ApiRouting {
    private ApiRouting() {
    }

    /**
     * Registers, in this order: the edge filter (request id, client IP, access log, error
     * envelope), CORS, the per-client request limit on /api/*, then status and balance, faucet,
     * rpc, admin, health, /openapi.yaml, the faucet web page (unless WEB_PAGE is off), and the
     * JSON 404 for everything no route or feature answers.
     *
     * @return the relay's WebSocket side (GET /api/rpc with Upgrade), sharing the relay's policy and
     *         the per-client request limit with it: bootstrap adds its routing and protocol to the
     *         web server, its connection count to the metrics, and calls its goAway on shutdown
     */
    public static RpcWebSocket configure(HttpRouting.Builder routing, ApiDependencies deps) {
        return configure(routing, deps, RpcWebSocket.PING_INTERVAL);
    }

    /**
     * As above, with the interval the WebSocket pings its clients at: at most a third of the
     * listener's idle timeout, so that their pongs keep a client that only listens open.
     */
    public static RpcWebSocket configure(HttpRouting.Builder routing, ApiDependencies deps, java.time.Duration wsPingInterval) {
        Bodies bodies = new Bodies(deps.requestSizeLimit());
        new HttpEdge(deps.clientIps(), deps.observer()).install(routing);
        routing.addFilter(new Cors(deps.frontendOrigins()));
        routing.addFilter(new RequestRateLimiter(deps.requestsPerMinute(), deps.ipv6ClientPrefix(), deps.telemetry()));
        RequestRateLimiter rpcLimiter = new RequestRateLimiter(deps.rpcRequestsPerMinute(), deps.ipv6ClientPrefix(), deps.telemetry());
        FinalityCache cache = new FinalityCache(deps.rpcCacheMaxBytes(), block -> deps.status().current().height()
                .filter(head -> deps.finality().isDeep(head, block)).isPresent(), deps.telemetry());
        deps.feed().watch(cache);
        JsonRpcRelay jsonRpc = new JsonRpcRelay(deps.relay(), cache, rpcLimiter, deps.rpcMaxBatch());
        AdminAuth auth = new AdminAuth(deps.adminToken(), deps.adminAllowedIps(), deps.admin(), deps.telemetry(), deps.clock());
        // the relay first: routes are tried in order, and the faucet's path templates are regular expressions
        routing.register("/api",
                new RpcHttpService(jsonRpc, rpcLimiter, bodies, new AnswerWriter(deps.httpReadTimeout())),
                new StatusHttpService(deps.status(), deps.balances(), deps.clock(), deps.statusStaleAfter()),
                new FaucetHttpService(deps.drips(), deps.grants(), deps.finality(), bodies));
        routing.register("/api/admin", new AdminHttpService(deps.admin(), auth, bodies, deps.keccak(), deps.clock()));
        routing.register(new HealthHttpService(deps.readinessChecks()));
        routing.register(new OpenApiHttpService());
        if (deps.webPage()) {
            routing.register(new WebPageHttpService());
        }
        HttpEdge.notFound(routing);
        return new RpcWebSocket(jsonRpc, deps.feed(), rpcLimiter, deps.clientIps(), deps.wsMaxConnections(),
                deps.wsMaxConnectionsPerClient(), deps.ipv6ClientPrefix(), deps.wsMaxMessageBytes(),
                deps.wsMaxInboundBytes(), deps.wsMaxQueuedBytes(), deps.wsMaxOutboundBytes(), deps.frontendOrigins(), wsPingInterval);
    }
}
