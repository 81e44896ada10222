package com.dytallix.adapters.http;

import com.dytallix.domain.telemetry.Telemetry;
import com.dytallix.application.admin.AdminService;
import com.dytallix.application.faucet.DripService;
import com.dytallix.application.faucet.Finality;
import com.dytallix.application.faucet.GrantLookup;
import com.dytallix.application.relay.RelayService;
import com.dytallix.application.status.BalanceService;
import com.dytallix.application.status.StatusService;
import com.dytallix.application.subscription.ChainFeed;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.Keccak256;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything the HTTP API needs, for {@link ApiRouting#configure}: the application services and
 * the settings the edge enforces.
 *
 * @param observer          told about every finished request (the HTTP metrics)
 * @param readinessChecks   what /readyz checks
 * @param clientIps         the client of each request (TRUSTED_PROXIES): the one resolver the server has, the
 *                          connection limits' too, so an untrusted forwarding peer is warned of once
 * @param adminAllowedIps   ADMIN_ALLOWED_IPS
 * @param adminToken        ADMIN_TOKEN (never printed: {@link #toString()} leaves it out)
 * @param frontendOrigins   FRONTEND_ORIGIN, {@code *} for any origin
 * @param requestsPerMinute RATE_LIMIT_REQUESTS_PER_MINUTE, per client, for /api/* but the relay
 * @param ipv6ClientPrefix  IPV6_CLIENT_PREFIX: an IPv6 client is one client per prefix of this length
 * @param rpcRequestsPerMinute RPC_RATE_LIMIT_PER_MINUTE, per client, for /api/rpc (a batch counts its items)
 * @param requestSizeLimit  REQUEST_SIZE_LIMIT in bytes
 * @param rpcMaxBatch       RPC_MAX_BATCH
 * @param rpcCacheMaxBytes  RPC_CACHE_MAX_BYTES: memory for relayed answers that cannot change any more (0 = no cache)
 * @param finality          when a block counts as final (FAUCET_CONFIRMATIONS deep), for the relay's cache
 * @param feed              eth_subscribe's one upstream feed (its limit per connection is WS_MAX_SUBSCRIPTIONS)
 * @param wsMaxConnections  WS_MAX_CONNECTIONS
 * @param wsMaxConnectionsPerClient WS_MAX_CONNECTIONS_PER_CLIENT (an IPv6 client by its ipv6ClientPrefix)
 * @param wsMaxMessageBytes WS_MAX_MESSAGE_BYTES: the largest WebSocket message or frame a client may send
 * @param wsMaxInboundBytes WS_MAX_INBOUND_BYTES: bytes of WebSocket messages held at once, all connections together
 * @param wsMaxQueuedBytes  WS_MAX_QUEUED_BYTES: memory of answers and notifications one WebSocket connection may have waiting
 * @param wsMaxOutboundBytes WS_MAX_OUTBOUND_BYTES: the same for all WebSocket connections together
 * @param httpReadTimeout   HTTP_READ_TIMEOUT_MS: also how long a client may leave a piece of a large relay answer unread
 * @param statusStaleAfter  a status snapshot older than this is reported as {@code api: degraded}
 * @param webPage           WEB_PAGE: serve the faucet web page at /
 */
public record ApiDependencies(
        StatusService status,
        BalanceService balances,
        DripService drips,
        GrantLookup grants,
        RelayService relay,
        AdminService admin,
        Keccak256 keccak,
        Telemetry telemetry,
        RequestObserver observer,
        List<HealthHttpService.Check> readinessChecks,
        Clock clock,
        ClientIpResolver clientIps,
        List<IpRange> adminAllowedIps,
        String adminToken,
        List<String> frontendOrigins,
        int requestsPerMinute,
        int ipv6ClientPrefix,
        int rpcRequestsPerMinute,
        long requestSizeLimit,
        int rpcMaxBatch,
        long rpcCacheMaxBytes,
        Finality finality,
        ChainFeed feed,
        int wsMaxConnections,
        int wsMaxConnectionsPerClient,
        int wsMaxMessageBytes,
        long wsMaxInboundBytes,
        long wsMaxQueuedBytes,
        long wsMaxOutboundBytes,
        Duration httpReadTimeout,
        Duration statusStaleAfter,
        boolean webPage) {

    public ApiDependencies {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(balances, "balances");
        Objects.requireNonNull(drips, "drips");
        Objects.requireNonNull(grants, "grants");
        Objects.requireNonNull(relay, "relay");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(keccak, "keccak");
        Objects.requireNonNull(telemetry, "telemetry");
        Objects.requireNonNull(observer, "observer");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(clientIps, "clientIps");
        Objects.requireNonNull(feed, "feed");
        Objects.requireNonNull(finality, "finality");
        Objects.requireNonNull(statusStaleAfter, "statusStaleAfter");
        Objects.requireNonNull(httpReadTimeout, "httpReadTimeout");
        readinessChecks = List.copyOf(readinessChecks);
        adminAllowedIps = List.copyOf(adminAllowedIps);
        frontendOrigins = List.copyOf(frontendOrigins);
        if (adminToken == null || adminToken.isBlank()) {
            throw new IllegalArgumentException("adminToken is required");
        }
        if (ipv6ClientPrefix < 1 || ipv6ClientPrefix > 128) {
            throw new IllegalArgumentException("ipv6ClientPrefix must be between 1 and 128");
        }
        if (rpcCacheMaxBytes < 0) {
            throw new IllegalArgumentException("rpcCacheMaxBytes must not be negative");
        }
        if (requestsPerMinute < 1 || rpcRequestsPerMinute < 1 || requestSizeLimit < 1 || rpcMaxBatch < 1 || wsMaxConnections < 1 || wsMaxConnectionsPerClient < 1
                || wsMaxMessageBytes < 1 || wsMaxInboundBytes < 1 || wsMaxQueuedBytes < 1 || wsMaxOutboundBytes < 1) {
            throw new IllegalArgumentException("requestsPerMinute, rpcRequestsPerMinute, requestSizeLimit, rpcMaxBatch, wsMaxConnections, "
                    + "wsMaxConnectionsPerClient, wsMaxMessageBytes, wsMaxInboundBytes, wsMaxQueuedBytes and wsMaxOutboundBytes must be positive");
        }
    }

    @Override
    public String toString() {
        return "ApiDependencies[" + clientIps + ", adminAllowedIps=" + adminAllowedIps
                + ", adminToken=(hidden), frontendOrigins=" + frontendOrigins + ", requestsPerMinute=" + requestsPerMinute
                + ", rpcRequestsPerMinute=" + rpcRequestsPerMinute + ", requestSizeLimit=" + requestSizeLimit + ", rpcMaxBatch=" + rpcMaxBatch + ", rpcCacheMaxBytes=" + rpcCacheMaxBytes
                + ", wsMaxConnections=" + wsMaxConnections
                + ", wsMaxConnectionsPerClient=" + wsMaxConnectionsPerClient + ", webPage=" + webPage + "]";
    }
}
