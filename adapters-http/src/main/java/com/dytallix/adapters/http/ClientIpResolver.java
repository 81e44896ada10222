package com.dytallix.adapters.http;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import java.util.List;

/**
 * The one client-IP function: the socket peer, unless the peer is a trusted proxy; then the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy. Headers from anyone else
 * are ignored, and a malformed entry stops the walk (the last good hop is used).
 */
public final class ClientIpResolver {
    private static final System.Logger LOG = System.getLogger(ClientIpResolver.class.getName());
    private static final int MAX_WARNED_PEERS = 16;
    private final List<IpRange> trustedProxies;
    private final java.util.Set<ClientIp> warnedPeers = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public ClientIpResolver(List<IpRange> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    @Override
    public String toString() {
        return "ClientIpResolver[trustedProxies=" + trustedProxies + "]";
    }

    public ClientIp resolve(ClientIp peer, List<String> forwardedForHeaders) {
        if (forwardedForHeaders.isEmpty()) {
            return peer;
        }
        if (!isTrusted(peer)) {
            warnUntrustedProxy(peer);
            return peer;
        }
        // Several header lines are one list, in order: walk them from the right-most entry.
        ClientIp current = peer;
        for (int line = forwardedForHeaders.size() - 1; line >= 0; line--) {
            String header = forwardedForHeaders.get(line);
            boolean trailing = true;
            for (int end = header.length(); end >= 0; ) {
                int comma = header.lastIndexOf(',', end - 1);
                String raw = header.substring(comma + 1, end);
                end = comma;
                // empty entries at a line's end are no hop (a trailing comma)
                trailing &= raw.isEmpty();
                if (trailing) {
                    if (comma < 0) {
                        break;
                    }
                    continue;
                }
                String entry = raw.strip();
                ClientIp hop;
                try {
                    hop = ClientIp.parse(stripPort(entry));
                } catch (IllegalArgumentException e) {
                    return current;
                }
                current = hop;
                if (!isTrusted(hop)) {
                    return hop;
                }
                if (comma < 0) {
                    break;
                }
            }
        }
        return current;
    }

    /**
     * Forwarded requests from a peer that is not in TRUSTED_PROXIES: if it is our own reverse
     * proxy, every client behind it is one client to us, so five wrong admin tokens from anyone
     * lock the operator out, and one abuser uses up everyone's quota. Said loudly, once per peer
     * (a bounded number of peers: anyone can send the header).
     */
    private void warnUntrustedProxy(ClientIp peer) {
        if (warnedPeers.size() >= MAX_WARNED_PEERS || !warnedPeers.add(peer)) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "requests with X-Forwarded-For arrive from " + peer.value()
                + ", which is not in TRUSTED_PROXIES: if it is your reverse proxy, every client behind it counts as "
                + peer.value() + " (quotas, request limits, and the admin lockout after wrong tokens locks everyone out)."
                + " Add it to TRUSTED_PROXIES." + (warnedPeers.size() == MAX_WARNED_PEERS ? " (further such peers are not logged)" : ""));
    }

    boolean isTrusted(ClientIp ip) {
        for (IpRange range : trustedProxies) {
            if (range.contains(ip)) {
                return true;
            }
        }
        return false;
    }

    /** "1.2.3.4:5678" and "[::1]:80" carry a port some proxies add. */
    private static String stripPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            return end > 0 ? hop.substring(1, end) : hop;
        }
        int colon = hop.indexOf(':');
        if (colon > 0 && colon == hop.lastIndexOf(':') && hop.indexOf('.') > 0) {
            return hop.substring(0, colon);
        }
        return hop;
    }
}
