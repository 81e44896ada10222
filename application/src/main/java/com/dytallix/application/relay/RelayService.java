package com.dytallix.application.relay;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.telemetry.Telemetry;
import com.dytallix.application.status.StatusService;
import com.dytallix.domain.sync.NodeRelay;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.sync.RawJson;
import java.time.Duration;
import java.util.Optional;

/**
 * Forwards one JSON-RPC method call to the node after the method policy allowed it. Some answers
 * are the relay's own: the chain id questions from the chain id the node was verified with (also
 * while the node is down, since it cannot change), and {@code eth_accounts} as an empty list (the
 * node's accounts are not the relay's to offer).
 *
 * <p>The filters a client makes on the node are counted ({@link RelayFilters}): past its bound its
 * least recently used one is uninstalled on the node, past the bound in all a new one is refused.
 */
public final class RelayService {
    private static final RawJson NO_ACCOUNTS = RawJson.of("[]");

    private final NodeRelay node;
    private final RelayPolicy policy;
    private final StatusService status;
    private final Telemetry telemetry;
    private final RelayFilters filters;
    private final int ipv6Prefix;
    /** The chain id once the node was verified with it: it cannot change while the server runs. */
    private volatile Long knownChainId;

    /**
     * A call's duration (the {@code rpc} timer) is taken from {@link System#nanoTime()}: a monotonic clock, which a
     * step of the wall clock does not move, and cheaper per call than two wall-clock instants.
     *
     * @param filters    the filters this relay made on the node, bounded per client and in all
     * @param ipv6Prefix IPV6_CLIENT_PREFIX: the client a filter is counted against
     */
    public RelayService(NodeRelay node, RelayPolicy policy, StatusService status, Telemetry telemetry,
                        RelayFilters filters, int ipv6Prefix) {
        this.node = node;
        this.policy = policy;
        this.status = status;
        this.telemetry = telemetry;
        this.filters = filters;
        this.ipv6Prefix = ipv6Prefix;
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
     * @param client     who asks (the contract's client IP): the filters it makes are counted against it
     * @param paramsJson one JSON array or object that the caller's parser read whole (nothing before or after it)
     * @return the node's {@code result} as it wrote it (or the relay's own answer)
     * @throws MethodNotAllowed            when the policy refuses the method
     * @throws RelayFilters.LimitReached   when a new filter would take the relay over its bound in all
     * @throws NodeException               when the node fails or answers with an error object
     */
    public RawJson forward(ClientIp client, String method, String paramsJson) {
        long start = System.nanoTime();
        if (!policy.allows(method)) {
            telemetry.rpcRequest("other", "denied", Duration.ZERO);
            throw new MethodNotAllowed(method);
        }
        try {
            RawJson result = switch (method) {
                case "eth_chainId" -> verifiedChainId().map(id -> RawJson.of("\"0x" + Long.toHexString(id) + "\""))
                        .orElseGet(() -> node.call(method, paramsJson));
                case "net_version" -> verifiedChainId().map(id -> RawJson.of("\"" + id + "\""))
                        .orElseGet(() -> node.call(method, paramsJson));
                case "eth_accounts" -> NO_ACCOUNTS;
                case "eth_newFilter", "eth_newBlockFilter", "eth_newPendingTransactionFilter" ->
                        newFilter(client.client(ipv6Prefix), method, paramsJson);
                case "eth_getFilterChanges", "eth_getFilterLogs", "eth_uninstallFilter" -> onFilter(method, paramsJson);
                default -> node.call(method, paramsJson);
            };
            telemetry.rpcRequest(method, "ok", since(start));
            return result;
        } catch (NodeException e) {
            telemetry.rpcRequest(method, outcome(e), since(start));
            throw e;
        } catch (RelayFilters.LimitReached e) {
            telemetry.rateLimitHit(LimitScope.FILTERS);
            telemetry.rpcRequest(method, "limited", since(start));
            throw e;
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Filters the relay holds on the node now. */
    public int filtersHeld() {
        return filters.held();
    }

    private RawJson newFilter(IpRange client, String method, String paramsJson) {
        filters.reserve(client);
        RawJson result;
        try {
            result = node.call(method, paramsJson);
        } catch (RuntimeException e) {
            filters.failed();
            throw e;
        }
        // the answer is a JSON string, "0x…" (a filter id holds nothing to escape)
        String text = result.isQuoted() ? result.text() : null;
        for (String over : filters.created(client, text == null ? null : text.substring(1, text.length() - 1))) {
            uninstall(over);
        }
        return result;
    }

    /** The client's oldest filter, over its bound: the node forgets it now rather than in 5 minutes. */
    private void uninstall(String id) {
        telemetry.rpcFilterEvicted();
        try {
            node.call("eth_uninstallFilter", "[\"" + id + "\"]");
        } catch (NodeException e) {
            // the node forgets it by itself when nobody polls it; the new filter is the client's all the same
        }
    }

    private RawJson onFilter(String method, String paramsJson) {
        String id = filterId(paramsJson);
        try {
            RawJson result = node.call(method, paramsJson);
            if (method.equals("eth_uninstallFilter")) {
                filters.removed(id);
            } else {
                filters.used(id);
            }
            return result;
        } catch (NodeException e) {
            if (e.failure() == NodeFailure.RPC_ERROR && "filter not found".equals(e.getMessage())) {
                filters.removed(id); // the node forgot it (restarted, or its own timeout)
            }
            throw e;
        }
    }

    /**
     * The id in {@code ["0x…"]} (spaces allowed around); null for any other params, whose id the
     * relay does not track (the node answers them as it does).
     */
    static String filterId(String paramsJson) {
        String p = paramsJson.strip();
        if (p.length() < 4 || p.charAt(0) != '[' || p.charAt(p.length() - 1) != ']') {
            return null;
        }
        String item = p.substring(1, p.length() - 1).strip();
        if (item.length() < 2 || item.charAt(0) != '"' || item.charAt(item.length() - 1) != '"') {
            return null;
        }
        return RelayFilters.key(item.substring(1, item.length() - 1));
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
