package com.dytallix.domain;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * The IP address a request is attributed to, in one canonical text form: dotted IPv4 (also for
 * IPv4-mapped IPv6) or compressed lowercase IPv6 without zone.
 */
public record ClientIp(String value) {
    // IPv6 literal characters only: never let InetAddress resolve a host name.
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9a-fA-F:.]{2,45}");

    public ClientIp {
        value = canonical(value);
    }

    public static ClientIp parse(String text) {
        return new ClientIp(text);
    }

    public static ClientIp of(InetAddress address) {
        return new ClientIp(address.getHostAddress());
    }

    public InetAddress inetAddress() {
        return literal(value);
    }

    /** The canonical form of an IPv4 address (also an IPv4-mapped one) is dotted, of an IPv6 one has colons. */
    public boolean isIpv4() {
        return value.indexOf(':') < 0;
    }

    /**
     * The client this address stands for in every per-IP rule: the IPv4 address itself, or its
     * IPv6 prefix of {@code ipv6Prefix} bits (one subscriber is normally given a whole /64).
     */
    public IpRange client(int ipv6Prefix) {
        return isIpv4() ? IpRange.enclosing(this, 32) : IpRange.enclosing(this, ipv6Prefix);
    }

    /** The network a subnet quota counts: the /24 of an IPv4 address, the /48 of an IPv6 one. */
    public IpRange subnet() {
        return IpRange.enclosing(this, isIpv4() ? 24 : 48);
    }

    private static String canonical(String text) {
        if (text == null) {
            throw new IllegalArgumentException("IP address is missing");
        }
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        int zone = t.indexOf('%');
        if (zone >= 0) {
            t = t.substring(0, zone);
        }
        byte[] ipv4 = dottedQuad(t);
        if (ipv4 != null) {
            // most clients: the text is its own canonical form unless a part has a leading zero
            return withoutLeadingZeros(t) ? t : (ipv4[0] & 0xff) + "." + (ipv4[1] & 0xff) + "." + (ipv4[2] & 0xff) + "." + (ipv4[3] & 0xff);
        }
        InetAddress address = literal(t);
        if (address instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            if (isV4Mapped(b)) {
                return (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
            }
            return compress(b);
        }
        return address.getHostAddress();
    }

    private static InetAddress literal(String t) {
        byte[] ipv4 = dottedQuad(t);
        try {
            if (ipv4 != null) {
                return InetAddress.getByAddress(ipv4);
            }
            if (t.indexOf(':') < 0 || !IPV6_LITERAL.matcher(t).matches()) {
                throw new IllegalArgumentException("not an IP address: " + t);
            }
            return InetAddress.getByName(t);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + t);
        }
    }

    /**
     * The four bytes of a dotted-quad IPv4 literal (decimal, 1 to 3 digits each, at most 255), or null
     * when {@code t} is not one. By hand: every request parses its client's address several times,
     * and regular expressions plus {@code InetAddress} were a tenth of a refused request's CPU.
     */
    private static byte[] dottedQuad(String t) {
        byte[] bytes = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= t.length(); i++) {
            char c = i < t.length() ? t.charAt(i) : '.';
            if (c >= '0' && c <= '9' && digits < 3) {
                value = value * 10 + (c - '0');
                digits++;
            } else if (c == '.' && digits > 0 && value <= 255 && part < 4) {
                bytes[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else {
                return null;
            }
        }
        return part == 4 ? bytes : null;
    }

    /** A dotted quad none of whose parts starts with a 0 followed by more digits. */
    private static boolean withoutLeadingZeros(String quad) {
        for (int i = 0; i < quad.length() - 1; i++) {
            if (quad.charAt(i) == '0' && (i == 0 || quad.charAt(i - 1) == '.') && quad.charAt(i + 1) != '.') {
                return false;
            }
        }
        return true;
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    /** RFC 5952 text: lowercase, longest run of two or more zero groups shortened to "::". */
    private static String compress(byte[] b) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen && j - i >= 2) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLen - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return value;
    }
}
