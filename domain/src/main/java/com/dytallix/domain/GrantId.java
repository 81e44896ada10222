package com.dytallix.domain;

import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/** The public identifier of one faucet grant. */
public record GrantId(String value) {
    private static final Pattern SHAPE =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    public GrantId {
        value = value == null ? null : value.toLowerCase(Locale.ROOT);
        if (value == null || !SHAPE.matcher(value).matches()) {
            throw new IllegalArgumentException("grant id must be a UUID");
        }
    }

    public static GrantId random() {
        return new GrantId(UUID.randomUUID().toString());
    }

    @Override
    public String toString() {
        return value;
    }
}
