package com.dytallix.bootstrap.testing;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Fresh recipient addresses (lower case, so no checksum to get wrong); a new chain has never paid them. */
public final class Recipients {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Recipients() {
    }

    public static String fresh() {
        byte[] bytes = new byte[20];
        RANDOM.nextBytes(bytes);
        return "0x" + HexFormat.of().formatHex(bytes);
    }
}
