package com.dytallix.adapters.http;

import com.dytallix.application.status.BalanceService;
import com.dytallix.application.status.NodeHealth;
import com.dytallix.application.status.StatusService;
import com.dytallix.application.status.StatusSnapshot;
import com.dytallix.domain.faucet.PauseState;
import com.dytallix.domain.sync.UpstreamHealth;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** GET /api/status (from the background snapshot, never waiting on the node) and GET /api/balance. */
final class StatusHttpService implements HttpService {
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
        Responses.ok(res, view(status.current(), clock.instant(), staleAfter, status.instance(), status.payer(), status.upstreams()));
    }

    /** One node: its name never carries credentials (the node set names it by scheme, host and port). */
    record UpstreamView(String name, String status, Long height, long lag, Double latencyMs, String problem) {
        static UpstreamView of(UpstreamHealth u) {
            return new UpstreamView(u.name(), u.state().wireName(), u.height().orElse(null), u.lag(),
                    u.latency().map(d -> Math.round(d.toNanos() / 100_000.0) / 10.0).orElse(null), u.problem().orElse(null));
        }
    }

    /**
     * {@code api} is {@code degraded} when the node is not healthy, and also when the snapshot
     * itself is older than {@code staleAfter}: its background refresh is failing or stuck, and
     * every value in it is old (a frozen {@code ok} once hid a dead refresh job).
     */
    static StatusView view(StatusSnapshot s, Instant now, Duration staleAfter, String instance, Optional<String> payer,
                           List<UpstreamHealth> upstreams) {
        Duration snapshotAge = Duration.between(s.refreshedAt(), now);
        boolean stale = snapshotAge.compareTo(staleAfter) > 0;
        return new StatusView(
                s.nodeHealth() == NodeHealth.OK && !stale ? "ok" : "degraded",
                s.height().orElse(null),
                s.syncLag(),
                s.headAge().map(StatusHttpService::seconds).orElse(null),
                s.syncing(),
                s.chainId().orElse(null),
                s.faucetAddress().value(),
                s.faucetBalance().map(w -> w.toDytString()).orElse(null),
                s.faucetBalance().map(w -> w.value().toString()).orElse(null),
                s.pause().paused(),
                s.pause().reason().orElse(null),
                ChainResetView.of(s.pause()),
                s.pause().operatorReason().orElse(null),
                s.mempoolBacklog(),
                s.nodeHealth().wireName(),
                s.blockTime().map(StatusHttpService::seconds).orElse(null),
                s.nodeDataAge(now).map(StatusHttpService::seconds).orElse(null),
                seconds(snapshotAge.isNegative() ? Duration.ZERO : snapshotAge),
                stale ? "status not refreshed for " + snapshotAge.toSeconds() + " s" : s.lastError().orElse(null),
                Responses.time(now),
                instance,
                payer.orElse(null),
                upstreams.stream().map(UpstreamView::of).toList());
    }

    /** GET /api/status as the API shows it (field order is the wire order). */
    record StatusView(String api, Long height, long nodeSyncLag, Double headAgeSeconds, boolean syncing, Long chainId,
                      String faucetAddress, String faucetBalance, String faucetBalanceWei, boolean paused,
                      String pausedReason, ChainResetView chainReset, String operatorPauseReason, long mempoolBacklog, String nodeStatus,
                      Double blockTimeSeconds, Double dataAgeSeconds, double snapshotAgeSeconds, String lastError, String timestamp,
                      String instance, String payer, List<UpstreamView> upstreams) {
    }

    /**
     * The chain reset that pauses the faucet (the node's genesis is not the ledger's), null when none does: what tells a
     * reset apart from an operator's pause, whatever either reason says. In /api/status and /api/faucet/info.
     */
    record ChainResetView(String genesis, String ledgerGenesis, String reason) {
        static ChainResetView of(PauseState pause) {
            return pause.chainReset().map(r -> new ChainResetView(r.genesis(), r.ledgerGenesis(), r.reason())).orElse(null);
        }
    }

    /** GET /api/balance. */
    record BalanceView(String address, String balance, String balanceWei) {
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
        Responses.ok(res, new BalanceView(b.address().value(), b.balance().toDytString(), b.balance().value().toString()));
    }
}
