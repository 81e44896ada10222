package com.dytallix.domain.sync;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * One node of the set as status, readiness and metrics show it.
 *
 * @param name     the node's URL without credentials, path or query
 * @param state    what the last check (or the last call) found
 * @param height   the head it reported last
 * @param lag      blocks behind the best head of the nodes of the chain
 * @param latency  how long its answers take, smoothed
 * @param problem  why it is not used, when it is not
 * @param okRequests     calls routed to it that it answered (a node error object included); health checks aside
 * @param failedRequests calls routed to it that failed for a transport reason
 */
public record UpstreamHealth(String name, State state, Optional<Long> height, long lag, Optional<Duration> latency,
                             Optional<String> problem, long okRequests, long failedRequests) {

    /** ok: serves reads and sends; lagging: too far behind for reads; down: not answering; wrong_chain: never used. */
    public enum State {
        OK, LAGGING, DOWN, WRONG_CHAIN, UNKNOWN;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public boolean healthy() {
        return state == State.OK;
    }
}
