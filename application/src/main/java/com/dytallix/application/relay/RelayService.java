package com.dytallix.application.relay;

import com.dytallix.domain.telemetry.Telemetry;
import com.dytallix.application.status.StatusService;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.NodeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Forwards one JSON-RPC method call to the node after the method policy allowed it. The chain id
 * questions are answered from the verified chain id, not forwarded.
 */
public final class RelayService {
    private final ChainNode node;
    private final RelayPolicy policy;
    private final StatusService status;
    private final Telemetry telemetry;
    private final Clock clock;

    public RelayService(ChainNode node, RelayPolicy policy, StatusService status, Telemetry telemetry, Clock clock) {
        this.node = node;
        this.policy = policy;
        this.status = status;
        this.telemetry = telemetry;
        this.clock = clock;
    }

    /** The method is not on the allow-list. */
    public static final class MethodNotAllowed extends RuntimeException {
        public MethodNotAllowed(String method) {
            super("method " + method + " is not allowed on this relay", null, false, false);
        }
    }

    public boolean allows(String method) {
        return policy.allows(method);
    }

    /**
     * @param paramsJson a JSON array serialised by the caller (never the client's raw bytes)
     * @return the node's {@code result} as JSON text
     * @throws MethodNotAllowed when the policy refuses the method
     * @throws NodeException    when the node fails or answers with an error object
     */
    public String forward(String method, String paramsJson) {
        Instant start = clock.instant();
        if (!policy.allows(method)) {
            telemetry.rpcRequest("other", "denied", Duration.ZERO);
            throw new MethodNotAllowed(method);
        }
        try {
            String result = switch (method) {
                case "eth_chainId" -> verifiedChainId().map(id -> "\"0x" + Long.toHexString(id) + "\"")
                        .orElseGet(() -> node.call(method, paramsJson));
                case "net_version" -> verifiedChainId().map(id -> "\"" + id + "\"")
                        .orElseGet(() -> node.call(method, paramsJson));
                default -> node.call(method, paramsJson);
            };
            telemetry.rpcRequest(method, "ok", Duration.between(start, clock.instant()));
            return result;
        } catch (NodeException e) {
            telemetry.rpcRequest(method, outcome(e), Duration.between(start, clock.instant()));
            throw e;
        }
    }

    private Optional<Long> verifiedChainId() {
        var s = status.current();
        return s.chainIdVerified() ? s.chainId() : Optional.empty();
    }

    private static String outcome(NodeException e) {
        return switch (e.failure()) {
            case TIMEOUT -> "timeout";
            case UNREACHABLE, BAD_RESPONSE, RATE_LIMITED -> "unavailable";
            case OVERLOADED -> "overloaded";
            default -> "rpc_error";
        };
    }
}
