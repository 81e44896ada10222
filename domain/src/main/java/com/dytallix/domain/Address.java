package com.dytallix.domain;

import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A 20-byte account address, always held in its EIP-55 checksummed form so that two equal
 * addresses have equal text.
 */
public record Address(String value) {
    private static final Pattern SHAPE = Pattern.compile("0x[0-9a-fA-F]{40}");
    private static final HexFormat HEX = HexFormat.of();

    public Address {
        if (value == null || !SHAPE.matcher(value).matches()) {
            throw new InvalidAddressException("address must be 0x followed by 40 hex digits");
        }
    }

    /**
     * Parses user input: all-lowercase and all-uppercase hex are accepted as they carry no
     * checksum; mixed case must match EIP-55 exactly.
     */
    public static Address parse(String text, Keccak256 keccak) {
        if (text == null || !SHAPE.matcher(text).matches()) {
            throw new InvalidAddressException("address must be 0x followed by 40 hex digits");
        }
        String hex = text.substring(2);
        String checksummed = checksum(hex.toLowerCase(Locale.ROOT), keccak);
        boolean uniformCase = hex.equals(hex.toLowerCase(Locale.ROOT)) || hex.equals(hex.toUpperCase(Locale.ROOT));
        if (!uniformCase && !checksummed.substring(2).equals(hex)) {
            throw new InvalidAddressException("address has an invalid EIP-55 checksum");
        }
        return new Address(checksummed);
    }

    public static Address fromBytes(byte[] twentyBytes, Keccak256 keccak) {
        if (twentyBytes.length != 20) {
            throw new InvalidAddressException("address must be 20 bytes");
        }
        return new Address(checksum(HEX.formatHex(twentyBytes), keccak));
    }

    private static String checksum(String lowerHex, Keccak256 keccak) {
        byte[] digest = keccak.hash(lowerHex.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        StringBuilder out = new StringBuilder("0x");
        for (int i = 0; i < 40; i++) {
            char c = lowerHex.charAt(i);
            int nibble = (digest[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0x0f;
            out.append(nibble >= 8 ? Character.toUpperCase(c) : c);
        }
        return out.toString();
    }

    /** Lowercase hex with 0x, the form JSON-RPC nodes compare. */
    public String lower() {
        return value.toLowerCase(Locale.ROOT);
    }

    public byte[] bytes() {
        return HEX.parseHex(value.substring(2));
    }

    @Override
    public String toString() {
        return value;
    }
}
