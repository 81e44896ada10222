package com.dytallix.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientIpTest {
    @Test
    void canonicalForms() {
        assertThat(ClientIp.parse("127.0.0.1").value()).isEqualTo("127.0.0.1");
        assertThat(ClientIp.parse("0:0:0:0:0:0:0:1").value()).isEqualTo("::1");
        assertThat(ClientIp.parse("[::1]").value()).isEqualTo("::1");
        assertThat(ClientIp.parse("::ffff:10.1.2.3").value()).isEqualTo("10.1.2.3");
        assertThat(ClientIp.parse("2001:DB8:0:0:1:0:0:1").value()).isEqualTo("2001:db8::1:0:0:1");
        assertThat(ClientIp.parse("fe80::1%eth0").value()).isEqualTo("fe80::1");
        assertThat(ClientIp.parse("010.001.002.255").value()).isEqualTo("10.1.2.255");
        assertThat(ClientIp.parse("1.2.3.04").value()).isEqualTo("1.2.3.4");
        assertThat(ClientIp.parse("0.10.100.0").value()).isEqualTo("0.10.100.0");
        assertThat(ClientIp.parse(" 203.0.113.250 ").value()).isEqualTo("203.0.113.250");
        assertThat(ClientIp.parse("0.0.0.0").isIpv4()).isTrue();
        assertThat(ClientIp.parse("::ffff:10.1.2.3").isIpv4()).isTrue();
        assertThat(ClientIp.parse("::1").isIpv4()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "example.com", "1.2.3", "1.2.3.4.5", "999.1.1.1", "::g", "1.2.3.4, 5.6.7.8",
            "256.1.1.1", "1.2.3.1000", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.-4", "1.2.3.4a", "1.2.3.４"})
    void nonLiteralsAreRefusedWithoutResolving(String text) {
        assertThatThrownBy(() -> ClientIp.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rangesMatchIpv4AndIpv6() {
        assertThat(IpRange.parse("10.0.0.0/8").contains(ClientIp.parse("10.200.3.4"))).isTrue();
        assertThat(IpRange.parse("10.0.0.0/8").contains(ClientIp.parse("11.0.0.1"))).isFalse();
        assertThat(IpRange.parse("::1").contains(ClientIp.parse("0:0:0:0:0:0:0:1"))).isTrue();
        assertThat(IpRange.parse("fd00::/8").contains(ClientIp.parse("fd12:3456::1"))).isTrue();
        assertThat(IpRange.parse("fd00::/8").contains(ClientIp.parse("10.0.0.1"))).isFalse();
        assertThat(IpRange.parse("127.0.0.1").contains(ClientIp.parse("::ffff:127.0.0.1"))).isTrue();
        assertThat(IpRange.parse("0.0.0.0/0").contains(ClientIp.parse("8.8.8.8"))).isTrue();
        assertThatThrownBy(() -> IpRange.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRangeHoldsExactlyTheAddressesThatShareItsPrefixBits() {
        assertThat(IpRange.parse("198.51.96.0/20").contains(ClientIp.parse("198.51.111.255"))).isTrue();
        assertThat(IpRange.parse("198.51.96.0/20").contains(ClientIp.parse("198.51.112.0"))).isFalse();
        assertThat(IpRange.parse("198.51.96.0/20").contains(ClientIp.parse("198.51.95.255"))).isFalse();
        assertThat(IpRange.parse("2001:db8:8000::/33").contains(ClientIp.parse("2001:db8:ffff::1"))).isTrue();
        assertThat(IpRange.parse("2001:db8:8000::/33").contains(ClientIp.parse("2001:db8:7fff::1"))).isFalse();
        assertThat(IpRange.parse("::/0").contains(ClientIp.parse("2001:db8::1"))).isTrue();
        assertThat(IpRange.parse("2001:db8::/127").contains(ClientIp.parse("2001:db8::1"))).isTrue();
        assertThat(IpRange.parse("2001:db8::/127").contains(ClientIp.parse("2001:db8::2"))).isFalse();
        assertThat(IpRange.parse("10.0.0.7/31").contains(ClientIp.parse("10.0.0.6"))).isTrue();
        assertThat(IpRange.parse("10.0.0.7/31").contains(ClientIp.parse("10.0.0.8"))).isFalse();
    }
}
