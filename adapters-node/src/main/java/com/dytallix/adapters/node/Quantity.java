package com.dytallix.adapters.node;

import java.math.BigInteger;

/** JSON-RPC "quantity" text: 0x and hex digits without leading zeros. */
final class Quantity {
    private Quantity() {
    }

    static String hex(BigInteger value) {
        return "0x" + value.toString(16);
    }

    static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    /** @throws IllegalArgumentException when the text is not a quantity */
    static BigInteger parse(String text) {
        if (text == null || !HexText.digits(text, 1, 64)) {
            throw new IllegalArgumentException("not a hex quantity");
        }
        // up to 15 digits fit a long: no BigInteger parse of a substring
        return text.length() <= 17 ? BigInteger.valueOf(Long.parseLong(text, 2, text.length(), 16)) : new BigInteger(text.substring(2), 16);
    }
}
