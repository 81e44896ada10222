package com.dytallix.domain;

import java.util.Locale;
import java.util.regex.Pattern;

/** A transaction hash: 0x and 64 lowercase hex digits. */
public record TxHash(String value) {
    private static final Pattern SHAPE = Pattern.compile("0x[0-9a-f]{64}");

    public TxHash {
        value = value == null ? null : value.toLowerCase(Locale.ROOT);
        if (value == null || !SHAPE.matcher(value).matches()) {
            throw new IllegalArgumentException("transaction hash must be 0x followed by 64 hex digits");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
