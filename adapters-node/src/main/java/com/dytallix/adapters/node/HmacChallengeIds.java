package com.dytallix.adapters.node;

import com.dytallix.domain.admission.Challenge;
import com.dytallix.domain.admission.ChallengeIds;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Challenge ids of 16 bytes (32 hex digits, the format clients already get): 8 random bytes, then the
 * first 8 bytes of HMAC-SHA256 of them under a key every instance shares (kept in the database). An
 * id whose last half is not that MAC was made up or altered: a forger guesses 64 bits per try. Eight
 * random bytes keep ids unique among the challenges outstanding at once.
 */
public final class HmacChallengeIds implements ChallengeIds {
    private static final int RANDOM_BYTES = 8;
    private static final int MAC_BYTES = 8;
    /** Keeps these MACs apart from any other use the key could ever have. */
    private static final byte[] PURPOSE = "dytallix proof-of-work challenge id\n".getBytes(StandardCharsets.US_ASCII);

    private final SecureRandom random = new SecureRandom();
    private final Mac prototype;

    /** @param key the shared secret, at least 32 bytes */
    public HmacChallengeIds(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("the challenge key must have at least 32 bytes");
        }
        try {
            prototype = Mac.getInstance("HmacSHA256");
            prototype.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        }
    }

    @Override
    public String next() {
        byte[] id = new byte[RANDOM_BYTES + MAC_BYTES];
        random.nextBytes(id);
        System.arraycopy(mac(id), 0, id, RANDOM_BYTES, MAC_BYTES);
        return HexFormat.of().formatHex(id);
    }

    @Override
    public boolean issued(String id) {
        if (!Challenge.wellFormedId(id)) {
            return false;
        }
        byte[] bytes = HexFormat.of().parseHex(id);
        return MessageDigest.isEqual(Arrays.copyOf(mac(bytes), MAC_BYTES), Arrays.copyOfRange(bytes, RANDOM_BYTES, RANDOM_BYTES + MAC_BYTES));
    }

    /** The MAC of the id's random half. A Mac is not thread-safe: each call works on a copy of the keyed one. */
    private byte[] mac(byte[] id) {
        try {
            Mac mac = (Mac) prototype.clone();
            mac.update(PURPOSE);
            mac.update(id, 0, RANDOM_BYTES);
            return mac.doFinal();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's HmacSHA256 can be cloned", e);
        }
    }
}
