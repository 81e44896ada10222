package com.dytallix.bootstrap.observability;

import com.dytallix.adapters.http.metrics.HttpMetrics;
import com.dytallix.domain.telemetry.Telemetry;
import com.dytallix.domain.grant.LimitScope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The use cases' telemetry as Prometheus meters: dytallix_faucet_grants_total{outcome},
 * dytallix_rate_limit_hits_total{scope}, dytallix_tx_replacements_total, dytallix_tx_resent_total, dytallix_reorgs_total,
 * dytallix_rpc_requests_total{method,outcome}, dytallix_rpc_request_duration_seconds{method} and
 * dytallix_rpc_cache_requests_total{result} and dytallix_rpc_filters_evicted_total.
 */
public final class MetricsTelemetry implements Telemetry {
    /** Registered at zero so that rate() and increase() see the first event of each kind. */
    private static final List<String> GRANT_OUTCOMES = List.of("granted", "replayed", "rate_limited", "paused",
            "insufficient_balance", "confirmed", "failed", "blocked", "pow_required", "pow_invalid");
    private static final String OTHER_METHOD = "other";

    private final MeterRegistry registry;
    private final Counter replacements;
    private final Counter resent;
    private final Counter reorgs;
    /**
     * The relay's meters of each allowed method (and of "other"), each built at its first use: looking a meter up in
     * the registry on every relayed call costs more than the call's bookkeeping. One lookup of the method as it came
     * finds its label and its meters; a method not on the list finds none and counts as "other".
     */
    private final Map<String, RpcMeters> rpcMeters;
    private final RpcMeters otherRpcMeters;
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Counter filtersEvicted;
    /** The faucet's counters too, built once: every refused request counts one or two. */
    private final Map<String, Counter> grantCounters = new ConcurrentHashMap<>();
    private final Map<LimitScope, Counter> rateLimitCounters = new java.util.EnumMap<>(LimitScope.class);

    /**
     * @param knownRpcMethods the relay's allow-list: only these become method label values, anything
     *                        else is "other", so callers cannot create series at will
     */
    public MetricsTelemetry(MeterRegistry registry, Collection<String> knownRpcMethods) {
        this.registry = registry;
        Map<String, RpcMeters> byMethod = new HashMap<>();
        Set.copyOf(knownRpcMethods).forEach(m -> byMethod.put(m, new RpcMeters(m)));
        this.otherRpcMeters = byMethod.computeIfAbsent(OTHER_METHOD, RpcMeters::new);
        this.rpcMeters = Map.copyOf(byMethod);
        this.replacements = Counter.builder("dytallix.tx.replacements")
                .description("Faucet transactions replaced with higher fees because they were not mined in time")
                .register(registry);
        this.resent = Counter.builder("dytallix.tx.resent")
                .description("Faucet transactions the node no longer held (a rollback, a reorg, an emptied pool), sent again"
                        + " with their stored bytes: same nonce, same hash")
                .register(registry);
        this.reorgs = Counter.builder("dytallix.reorgs")
                .description("Reorgs that took a faucet payment's block off the canonical chain (its grants were re-opened)")
                .register(registry);
        this.cacheHits = cacheCounter("hit");
        this.cacheMisses = cacheCounter("miss");
        this.filtersEvicted = Counter.builder("dytallix.rpc.filters.evicted")
                .description("Filters the relay uninstalled on the node because their client made more than RPC_MAX_FILTERS_PER_CLIENT"
                        + " (its least recently used one goes)")
                .register(registry);
        GRANT_OUTCOMES.forEach(this::grantCounter);
        for (LimitScope scope : LimitScope.values()) {
            rateLimitCounters.put(scope, Counter.builder("dytallix.rate.limit.hits")
                    .description("Requests refused by a rate limit, by scope")
                    .tag("scope", scope.wireName())
                    .register(registry));
        }
    }

    @Override
    public void grantOutcome(String outcome) {
        grantCounter(outcome).increment();
    }

    @Override
    public void rateLimitHit(LimitScope scope) {
        rateLimitCounters.get(scope).increment();
    }

    @Override
    public void rpcFilterEvicted() {
        filtersEvicted.increment();
    }

    @Override
    public void transactionReplaced() {
        replacements.increment();
    }

    @Override
    public void transactionsResent(int count) {
        resent.increment(count);
    }

    @Override
    public void reorg() {
        reorgs.increment();
    }

    @Override
    public void rpcRequest(String method, String outcome, Duration duration) {
        RpcMeters meters = rpcMeters.getOrDefault(method, otherRpcMeters);
        meters.requests(outcome).increment();
        // A denied call never reached the node; its zero duration would only dilute the latency.
        if (!"denied".equals(outcome)) {
            meters.duration().record(duration.isNegative() ? Duration.ZERO : duration);
        }
    }

    /** One method label's meters: the "ok" counter and the timer kept at hand, the other outcomes' counters by name. */
    private final class RpcMeters {
        private final String label;
        private final Map<String, Counter> byOutcome = new ConcurrentHashMap<>();
        private volatile Counter ok;
        private volatile Timer duration;

        RpcMeters(String label) {
            this.label = label;
        }

        Counter requests(String outcome) {
            if ("ok".equals(outcome)) {
                Counter c = ok;
                if (c == null) {
                    ok = c = byOutcome.computeIfAbsent(outcome, this::counter);
                }
                return c;
            }
            return byOutcome.computeIfAbsent(outcome, this::counter);
        }

        private Counter counter(String outcome) {
            return Counter.builder("dytallix.rpc.requests")
                    .description("JSON-RPC method calls through the relay, by method and outcome")
                    .tag("method", label)
                    .tag("outcome", outcome)
                    .register(registry);
        }

        Timer duration() {
            Timer t = duration;
            if (t == null) {
                // two first calls at once both register: the registry hands both the one meter
                duration = t = Timer.builder("dytallix.rpc.request.duration")
                        .description("Time the node took to answer a relayed JSON-RPC call, in seconds")
                        .tag("method", label)
                        .serviceLevelObjectives(HttpMetrics.latencyBuckets())
                        .register(registry);
            }
            return t;
        }
    }

    @Override
    public void rpcCacheLookup(boolean hit) {
        (hit ? cacheHits : cacheMisses).increment();
    }

    private Counter cacheCounter(String result) {
        return Counter.builder("dytallix.rpc.cache.requests")
                .description("Relayed calls whose answer may be cached by finality: answered from the cache (hit) or by the node (miss)")
                .tag("result", result)
                .register(registry);
    }

    private Counter grantCounter(String outcome) {
        return grantCounters.computeIfAbsent(outcome, o -> Counter.builder("dytallix.faucet.grants")
                .description("Faucet requests and grants by outcome")
                .tag("outcome", o)
                .register(registry));
    }
}
