package com.dytallix.adapters.node;

import java.math.BigInteger;
import java.util.regex.Pattern;

/** JSON-RPC "quantity" text: 0x and hex digits without leading zeros. */
final class Quantity {
    private static final Pattern SHAPE = Pattern.compile("0x[0-9a-fA-F]{1,64}");

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
        if (text == null || !SHAPE.matcher(text).matches()) {
            throw new IllegalArgumentException("not a hex quantity");
        }
        return new BigInteger(text.substring(2), 16);
    }
}
