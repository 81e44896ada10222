package com.dytallix.adapters.http;

import com.dytallix.application.Telemetry;
import com.dytallix.application.admin.AdminService;
import com.dytallix.application.faucet.DripService;
import com.dytallix.application.relay.RelayService;
import com.dytallix.application.status.BalanceService;
import com.dytallix.application.status.StatusService;
import com.dytallix.application.subscription.ChainFeed;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.Keccak256;
import com.dytallix.domain.grant.GrantLedger;
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
 * @param trustedProxies    TRUSTED_PROXIES
 * @param adminAllowedIps   ADMIN_ALLOWED_IPS
 * @param adminToken        ADMIN_TOKEN (never printed: {@link #toString()} leaves it out)
 * @param frontendOrigins   FRONTEND_ORIGIN, {@code *} for any origin
 * @param requestsPerMinute RATE_LIMIT_REQUESTS_PER_MINUTE, per client, for /api/*
 * @param ipv6ClientPrefix  IPV6_CLIENT_PREFIX: an IPv6 client is one client per prefix of this length
 * @param requestSizeLimit  REQUEST_SIZE_LIMIT in bytes
 * @param rpcMaxBatch       RPC_MAX_BATCH
 * @param feed              eth_subscribe's one upstream feed (its limit per connection is WS_MAX_SUBSCRIPTIONS)
 * @param wsMaxConnections  WS_MAX_CONNECTIONS
 * @param statusStaleAfter  a status snapshot older than this is reported as {@code api: degraded}
 * @param webPage           WEB_PAGE: serve the faucet web page at /
 */
public record ApiDependencies(
        StatusService status,
        BalanceService balances,
        DripService drips,
        GrantLedger ledger,
        RelayService relay,
        AdminService admin,
        Keccak256 keccak,
        Telemetry telemetry,
        RequestObserver observer,
        List<HealthHttpService.Check> readinessChecks,
        Clock clock,
        List<IpRange> trustedProxies,
        List<IpRange> adminAllowedIps,
        String adminToken,
        List<String> frontendOrigins,
        int requestsPerMinute,
        int ipv6ClientPrefix,
        long requestSizeLimit,
        int rpcMaxBatch,
        ChainFeed feed,
        int wsMaxConnections,
        Duration statusStaleAfter,
        boolean webPage) {

    public ApiDependencies {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(balances, "balances");
        Objects.requireNonNull(drips, "drips");
        Objects.requireNonNull(ledger, "ledger");
        Objects.requireNonNull(relay, "relay");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(keccak, "keccak");
        Objects.requireNonNull(telemetry, "telemetry");
        Objects.requireNonNull(observer, "observer");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(feed, "feed");
        Objects.requireNonNull(statusStaleAfter, "statusStaleAfter");
        readinessChecks = List.copyOf(readinessChecks);
        trustedProxies = List.copyOf(trustedProxies);
        adminAllowedIps = List.copyOf(adminAllowedIps);
        frontendOrigins = List.copyOf(frontendOrigins);
        if (adminToken == null || adminToken.isBlank()) {
            throw new IllegalArgumentException("adminToken is required");
        }
        if (ipv6ClientPrefix < 1 || ipv6ClientPrefix > 128) {
            throw new IllegalArgumentException("ipv6ClientPrefix must be between 1 and 128");
        }
        if (requestsPerMinute < 1 || requestSizeLimit < 1 || rpcMaxBatch < 1 || wsMaxConnections < 1) {
            throw new IllegalArgumentException("requestsPerMinute, requestSizeLimit, rpcMaxBatch and wsMaxConnections must be positive");
        }
    }

    @Override
    public String toString() {
        return "ApiDependencies[trustedProxies=" + trustedProxies + ", adminAllowedIps=" + adminAllowedIps
                + ", adminToken=(hidden), frontendOrigins=" + frontendOrigins + ", requestsPerMinute=" + requestsPerMinute
                + ", requestSizeLimit=" + requestSizeLimit + ", rpcMaxBatch=" + rpcMaxBatch
                + ", wsMaxConnections=" + wsMaxConnections + ", webPage=" + webPage + "]";
    }
}
