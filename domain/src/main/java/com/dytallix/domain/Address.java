package com.dytallix.domain;

import java.util.HexFormat;
import java.util.Locale;

/**
 * A 20-byte account address, always held in its EIP-55 checksummed form so that two equal
 * addresses have equal text.
 */
public record Address(String value) {
    private static final HexFormat HEX = HexFormat.of();

    public Address {
        if (!shaped(value)) {
            throw new InvalidAddressException("address must be 0x followed by 40 hex digits");
        }
    }

    /**
     * Parses user input: all-lowercase and all-uppercase hex are accepted as they carry no
     * checksum; mixed case must match EIP-55 exactly.
     */
    public static Address parse(String text, Keccak256 keccak) {
        if (!shaped(text)) {
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

    /** 0x and 40 hex digits: checked by hand, as every faucet request (refused ones too) checks it first. */
    private static boolean shaped(String text) {
        if (text == null || text.length() != 42 || text.charAt(0) != '0' || text.charAt(1) != 'x') {
            return false;
        }
        for (int i = 2; i < 42; i++) {
            char c = text.charAt(i);
            if (!HexFormat.isHexDigit(c)) {
                return false;
            }
        }
        return true;
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
