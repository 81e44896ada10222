package com.dytallix.application.relay;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which methods the public relay forwards: those configured in RPC_ALLOWED_METHODS, except the ones
 * that sign with the node's keys or change the node, which are refused whatever the configuration.
 */
public final class RelayPolicy {
    private static final Set<String> NEVER_EXACT = Set.of("eth_sendtransaction", "eth_signtransaction", "eth_coinbase");
    private static final List<String> NEVER_PREFIXES = List.of("eth_sign", "personal_", "admin_", "debug_", "miner_",
            "txpool_", "evm_", "anvil_", "hardhat_", "clique_", "les_", "engine_");

    private final Set<String> allowed;

    public RelayPolicy(List<String> configured) {
        // Method names are case-sensitive on the node; the allow-list is matched exactly.
        this.allowed = Set.copyOf(configured.stream().filter(m -> !alwaysRefused(m)).toList());
    }

    /** The allow-list holds no always-refused name (see the constructor): one exact lookup per call. */
    public boolean allows(String method) {
        return method != null && allowed.contains(method);
    }

    /** Checked case-insensitively, so "Personal_sign" cannot slip past a node that folds case. */
    public static boolean alwaysRefused(String method) {
        String m = method.toLowerCase(Locale.ROOT);
        return NEVER_EXACT.contains(m) || NEVER_PREFIXES.stream().anyMatch(m::startsWith);
    }

    public Set<String> allowed() {
        return allowed;
    }
}
