package com.dytallix.application.relay;

import com.dytallix.domain.telemetry.Telemetry;
import com.dytallix.application.status.StatusService;
import com.dytallix.domain.sync.NodeRelay;
import com.dytallix.domain.sync.NodeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Forwards one JSON-RPC method call to the node after the method policy allowed it. Some answers
 * are the relay's own: the chain id questions from the chain id the node was verified with (also
 * while the node is down, since it cannot change), and {@code eth_accounts} as an empty list (the
 * node's accounts are not the relay's to offer).
 */
public final class RelayService {
    private final NodeRelay node;
    private final RelayPolicy policy;
    private final StatusService status;
    private final Telemetry telemetry;
    private final Clock clock;
    /** The chain id once the node was verified with it: it cannot change while the server runs. */
    private volatile Long knownChainId;

    public RelayService(NodeRelay node, RelayPolicy policy, StatusService status, Telemetry telemetry, Clock clock) {
        this.node = node;
        this.policy = policy;
        this.status = status;
        this.telemetry = telemetry;
        this.clock = clock;
    }

    /**
     * The method is not on the allow-list. Worded as nodes word a method they lack, since clients
     * (ethers, viem, web3.py) choose their fallbacks from that text.
     */
    public static final class MethodNotAllowed extends RuntimeException {
        /** For a name that is not echoed (not shaped like a method name). */
        public static final String UNNAMED = "the method does not exist/is not available";

        public MethodNotAllowed(String method) {
            super("the method " + method + " does not exist/is not available", null, false, false);
        }
    }

    public boolean allows(String method) {
        return policy.allows(method);
    }

    /**
     * @param paramsJson one JSON array or object that the caller's parser read whole (nothing before or after it)
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
                case "eth_accounts" -> "[]";
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
        if (s.chainIdVerified() && s.chainId().isPresent()) {
            knownChainId = s.chainId().get();
        }
        return Optional.ofNullable(knownChainId);
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
