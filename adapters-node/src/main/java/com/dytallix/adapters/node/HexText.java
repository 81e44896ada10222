package com.dytallix.adapters.node;

import java.util.HexFormat;

/**
 * The shapes of JSON-RPC hex text, checked by hand: they run on every relayed call, where a
 * regular expression's matcher cost more than the rest of the params check.
 */
final class HexText {
    private HexText() {
    }

    /** {@code 0x} and between {@code min} and {@code max} hex digits. */
    static boolean digits(String s, int min, int max) {
        int n = s.length() - 2;
        return n >= min && n <= max && prefixed(s) && allHex(s);
    }

    /** A quantity: {@code 0x0}, or {@code 0x} and up to 64 hex digits without leading zeros. */
    static boolean quantity(String s) {
        return digits(s, 1, 64) && (s.length() == 3 || s.charAt(2) != '0');
    }

    /** Bytes: {@code 0x} and an even number of hex digits (none included). */
    static boolean data(String s) {
        return s.length() % 2 == 0 && prefixed(s) && allHex(s);
    }

    private static boolean prefixed(String s) {
        return s.length() >= 2 && s.charAt(0) == '0' && s.charAt(1) == 'x';
    }

    private static boolean allHex(String s) {
        for (int i = 2; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!HexFormat.isHexDigit(c)) {
                return false;
            }
        }
        return true;
    }
}
