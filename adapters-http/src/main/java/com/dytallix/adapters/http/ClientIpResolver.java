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
    private final List<IpRange> trustedProxies;

    public ClientIpResolver(List<IpRange> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    public ClientIp resolve(ClientIp peer, List<String> forwardedForHeaders) {
        if (!isTrusted(peer) || forwardedForHeaders.isEmpty()) {
            return peer;
        }
        // Several header lines are one list, in order.
        List<String> hops = forwardedForHeaders.stream()
                .flatMap(h -> java.util.Arrays.stream(h.split(",")))
                .map(String::strip)
                .toList();
        ClientIp current = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            ClientIp hop;
            try {
                hop = ClientIp.parse(stripPort(hops.get(i)));
            } catch (IllegalArgumentException e) {
                return current;
            }
            current = hop;
            if (!isTrusted(hop)) {
                return hop;
            }
        }
        return current;
    }

    private boolean isTrusted(ClientIp ip) {
        return trustedProxies.stream().anyMatch(r -> r.contains(ip));
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
