package com.dytallix.domain;

/** One IP address or CIDR block (IPv4 or IPv6), e.g. {@code 10.0.0.0/8}, {@code ::1}, {@code fd00::/8}. */
public record IpRange(ClientIp network, int prefixLength) {
    public IpRange {
        int max = network.isIpv4() ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length must be between 0 and " + max);
        }
    }

    public static IpRange parse(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        ClientIp ip = ClientIp.parse(slash < 0 ? t : t.substring(0, slash));
        int max = ip.isIpv4() ? 32 : 128;
        if (slash < 0) {
            return new IpRange(ip, max);
        }
        String prefix = t.substring(slash + 1);
        if (!prefix.matches("\\d{1,3}")) {
            throw new IllegalArgumentException("invalid prefix length in " + t);
        }
        return new IpRange(ip, Integer.parseInt(prefix));
    }

    /** The block of {@code prefixLength} bits that holds {@code ip}, with the host bits cleared (a stable key). */
    public static IpRange enclosing(ClientIp ip, int prefixLength) {
        if (prefixLength == 32 && ip.isIpv4()) {
            return new IpRange(ip, 32); // an IPv4 client is its own block: every request's client asks this
        }
        byte[] bytes = ip.bytes();
        int max = bytes.length * 8;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length must be between 0 and " + max);
        }
        for (int bit = prefixLength; bit < max; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new IpRange(ClientIp.of(bytes), prefixLength);
    }

    /** Compares the prefix bytes (no BigInteger): the block list and the trusted proxies ask this on every request. */
    public boolean contains(ClientIp ip) {
        if (ip.isIpv4() != network.isIpv4()) {
            return false;
        }
        byte[] a = ip.bytes();
        byte[] n = network.bytes();
        int whole = prefixLength / 8;
        for (int i = 0; i < whole; i++) {
            if (a[i] != n[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (a[whole] & mask) == (n[whole] & mask);
    }

    @Override
    public String toString() {
        int max = network.isIpv4() ? 32 : 128;
        return prefixLength == max ? network.value() : network.value() + "/" + prefixLength;
    }
}
