package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one client-IP function, with the peers a dual-stack listener really sees. */
class ClientIpResolverTest {
    private final ClientIpResolver resolver = new ClientIpResolver(List.of(IpRange.parse("10.0.0.0/8"), IpRange.parse("fd00::/8")));

    @Test
    void anIpv4MappedPeerIsItsIpv4AddressAndCanBeATrustedProxy() {
        ClientIp peer = ClientIp.parse("::ffff:10.1.2.3");
        assertThat(peer.value()).isEqualTo("10.1.2.3");
        assertThat(resolver.resolve(peer, List.of("198.51.100.4"))).isEqualTo(ClientIp.parse("198.51.100.4"));
    }

    @Test
    void anIpv6ProxyChainIsWalkedFromTheRight() {
        ClientIp peer = ClientIp.parse("fd00::1");
        assertThat(resolver.resolve(peer, List.of("2001:db8::9, fd00::2", "10.0.0.7"))).isEqualTo(ClientIp.parse("2001:db8::9"));
    }

    @Test
    void anUntrustedIpv6PeerIsTheClientWhateverItForwards() {
        ClientIp peer = ClientIp.parse("2001:db8::66");
        assertThat(resolver.resolve(peer, List.of("10.0.0.1"))).isEqualTo(peer);
    }

    @Test
    void malformedEntriesNeverBecomeTheClient() {
        ClientIp peer = ClientIp.parse("10.0.0.1");
        assertThat(resolver.resolve(peer, List.of("example.com"))).isEqualTo(peer);
        assertThat(resolver.resolve(peer, List.of("198.51.100.4, ,"))).isEqualTo(peer);
        assertThat(resolver.resolve(peer, List.of("198.51.100.4,"))).as("a trailing comma is no hop").isEqualTo(ClientIp.parse("198.51.100.4"));
        assertThat(resolver.resolve(peer, List.of("198.51.100.4,,203.0.113.9"))).isEqualTo(ClientIp.parse("203.0.113.9"));
        assertThat(resolver.resolve(peer, List.of("198.51.100.4:8080"))).isEqualTo(ClientIp.parse("198.51.100.4"));
        assertThat(resolver.resolve(peer, List.of("fe80::1%eth0"))).isEqualTo(ClientIp.parse("fe80::1"));
    }

    @Test
    void forwardedRequestsFromAnUntrustedPeerAreWarnedAboutOncePerPeer() {
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(ClientIpResolver.class.getName());
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(capture);
        try {
            // behind a proxy that is not in TRUSTED_PROXIES (none here), every client looks like the proxy
            ClientIpResolver untrusting = new ClientIpResolver(List.of());
            ClientIp proxy = ClientIp.parse("192.0.2.10");
            for (String client : List.of("198.51.100.1", "198.51.100.2", "198.51.100.3")) {
                assertThat(untrusting.resolve(proxy, List.of(client))).isEqualTo(proxy);
            }
            untrusting.resolve(ClientIp.parse("192.0.2.11"), List.of());
        } finally {
            jul.removeHandler(capture);
        }
        assertThat(warnings).hasSize(1);
        assertThat(warnings.getFirst()).contains("192.0.2.10", "TRUSTED_PROXIES", "admin lockout");
    }
}
