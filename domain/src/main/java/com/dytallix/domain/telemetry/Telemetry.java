package com.dytallix.domain.telemetry;

import com.dytallix.domain.grant.LimitScope;
import java.time.Duration;

/** What the use cases report for metrics; bootstrap implements it over the metrics registry. */
public interface Telemetry {
    /**
     * A faucet request's end: granted, replayed, rate_limited, paused, insufficient_balance, confirmed,
     * failed, blocked, pow_required, pow_invalid.
     */
    void grantOutcome(String outcome);

    void rateLimitHit(LimitScope scope);

    void transactionReplaced();

    /** Stored transactions the node no longer held (a rollback, a reorg, an emptied pool), sent again as they were. */
    void transactionsResent(int count);

    /** A reorg took the block of at least one grant's transaction off the canonical chain. */
    void reorg();

    /** One relayed method call: outcome ok, rpc_error, timeout, unavailable, denied, overloaded, limited (a filter over RPC_MAX_FILTERS). */
    void rpcRequest(String method, String outcome, Duration duration);

    /** One lookup in the relay's finality cache, for a method whose answer may be cached. */
    void rpcCacheLookup(boolean hit);

    /** A client made one filter more than RPC_MAX_FILTERS_PER_CLIENT: its least recently used one was uninstalled. */
    void rpcFilterEvicted();

    Telemetry NONE = new Telemetry() {
        @Override
        public void grantOutcome(String outcome) {
        }

        @Override
        public void rateLimitHit(LimitScope scope) {
        }

        @Override
        public void transactionReplaced() {
        }

        @Override
        public void transactionsResent(int count) {
        }

        @Override
        public void reorg() {
        }

        @Override
        public void rpcRequest(String method, String outcome, Duration duration) {
        }

        @Override
        public void rpcCacheLookup(boolean hit) {
        }

        @Override
        public void rpcFilterEvicted() {
        }
    };
}
