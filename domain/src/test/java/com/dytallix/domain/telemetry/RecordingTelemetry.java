package com.dytallix.domain.telemetry;

import com.dytallix.domain.grant.LimitScope;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** {@link Telemetry} for tests: keeps what was reported, so a test can check what the metrics would show. */
public final class RecordingTelemetry implements Telemetry {
    public final List<String> grantOutcomes = new CopyOnWriteArrayList<>();
    public final Map<LimitScope, Integer> rateLimitHits = new ConcurrentHashMap<>();
    public final AtomicInteger replacements = new AtomicInteger();
    public final AtomicInteger resent = new AtomicInteger();
    public final AtomicInteger reorgs = new AtomicInteger();
    /** {@code method:outcome} of each relayed call. */
    public final List<String> rpcOutcomes = new CopyOnWriteArrayList<>();
    /** The duration of each relayed call, in the order of {@link #rpcOutcomes}. */
    public final List<Duration> rpcDurations = new CopyOnWriteArrayList<>();
    /** {@code hit} or {@code miss} of each lookup in the relay's finality cache. */
    public final List<String> cacheLookups = new CopyOnWriteArrayList<>();
    /** Filters uninstalled because their client made more than its bound. */
    public final AtomicInteger filtersEvicted = new AtomicInteger();

    /** How many times this grant outcome was reported. */
    public long count(String outcome) {
        return grantOutcomes.stream().filter(outcome::equals).count();
    }

    @Override
    public void grantOutcome(String outcome) {
        grantOutcomes.add(outcome);
    }

    @Override
    public void rateLimitHit(LimitScope scope) {
        rateLimitHits.merge(scope, 1, Integer::sum);
    }

    @Override
    public void transactionReplaced() {
        replacements.incrementAndGet();
    }

    @Override
    public void transactionsResent(int count) {
        resent.addAndGet(count);
    }

    @Override
    public void reorg() {
        reorgs.incrementAndGet();
    }

    @Override
    public void rpcRequest(String method, String outcome, Duration duration) {
        rpcOutcomes.add(method + ":" + outcome);
        rpcDurations.add(duration);
    }

    @Override
    public void rpcCacheLookup(boolean hit) {
        cacheLookups.add(hit ? "hit" : "miss");
    }

    @Override
    public void rpcFilterEvicted() {
        filtersEvicted.incrementAndGet();
    }
}
