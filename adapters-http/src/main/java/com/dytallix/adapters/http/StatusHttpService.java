package com.dytallix.adapters.http;

import com.dytallix.application.status.BalanceService;
import com.dytallix.application.status.NodeHealth;
import com.dytallix.application.status.StatusService;
import com.dytallix.application.status.StatusSnapshot;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** GET /api/status (from the background snapshot, never waiting on the node) and GET /api/balance. */
public final class StatusHttpService implements HttpService {
    private final StatusService status;
    private final BalanceService balances;
    private final Clock clock;
    private final Duration staleAfter;

    public StatusHttpService(StatusService status, BalanceService balances, Clock clock, Duration staleAfter) {
        this.status = status;
        this.balances = balances;
        this.clock = clock;
        this.staleAfter = staleAfter;
    }

    @Override
    public void routing(HttpRules rules) {
        Routes routes = Routes.on(rules, "/api");
        routes.path("/status").get(this::status).register();
        routes.path("/balance").get(this::balance).register();
    }

    private void status(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = view(status.current(), clock.instant(), staleAfter);
        body.put("instance", status.instance());
        body.put("payer", status.payer().orElse(null));
        Responses.ok(res, body);
    }

    /**
     * {@code api} is {@code degraded} when the node is not healthy, and also when the snapshot
     * itself is older than {@code staleAfter}: its background refresh is failing or stuck, and
     * every value in it is old (a frozen {@code ok} once hid a dead refresh job).
     */
    static Map<String, Object> view(StatusSnapshot s, Instant now, Duration staleAfter) {
        Map<String, Object> body = new LinkedHashMap<>();
        Duration snapshotAge = Duration.between(s.refreshedAt(), now);
        boolean stale = snapshotAge.compareTo(staleAfter) > 0;
        body.put("api", s.nodeHealth() == NodeHealth.OK && !stale ? "ok" : "degraded");
        body.put("height", s.height().orElse(null));
        body.put("nodeSyncLag", s.syncLag());
        body.put("headAgeSeconds", s.headAge().map(d -> seconds(d)).orElse(null));
        body.put("syncing", s.syncing());
        body.put("chainId", s.chainId().orElse(null));
        body.put("faucetAddress", s.faucetAddress().value());
        body.put("faucetBalance", s.faucetBalance().map(w -> w.toDytString()).orElse(null));
        body.put("faucetBalanceWei", s.faucetBalance().map(w -> w.value().toString()).orElse(null));
        body.put("paused", s.pause().paused());
        body.put("pausedReason", s.pause().reason().orElse(null));
        body.put("mempoolBacklog", s.mempoolBacklog());
        body.put("nodeStatus", s.nodeHealth().wireName());
        body.put("blockTimeSeconds", s.blockTime().map(StatusHttpService::seconds).orElse(null));
        body.put("dataAgeSeconds", s.nodeDataAge(now).map(StatusHttpService::seconds).orElse(null));
        body.put("snapshotAgeSeconds", seconds(snapshotAge.isNegative() ? Duration.ZERO : snapshotAge));
        body.put("lastError", stale ? "status not refreshed for " + snapshotAge.toSeconds() + " s" : s.lastError().orElse(null));
        body.put("timestamp", now.toString());
        return body;
    }

    private static double seconds(Duration d) {
        return Math.round(d.toMillis() / 100.0) / 10.0;
    }

    private void balance(ServerRequest req, ServerResponse res) {
        var address = req.query().first("address").asOptional();
        if (address.isEmpty() || address.get().isBlank()) {
            throw ApiException.invalidRequest("address", "query parameter is required");
        }
        BalanceService.Balance b = balances.of(address.get());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("address", b.address().value());
        body.put("balance", b.balance().toDytString());
        body.put("balanceWei", b.balance().value().toString());
        Responses.ok(res, body);
    }
}
