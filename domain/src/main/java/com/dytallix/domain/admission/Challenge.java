package com.dytallix.domain.admission;

import com.dytallix.domain.Address;
import com.dytallix.domain.IpRange;
import java.time.Instant;

/**
 * A proof-of-work challenge as issued: single-use, bound to one address and one client, valid until
 * {@code expiresAt}, with the difficulty and scrypt parameters it was issued with.
 *
 * @param id 32 lower-case hex digits
 */
public record Challenge(String id, Address address, IpRange client, int difficulty, int n, int r, int p,
                        Instant expiresAt) {
    public static boolean wellFormedId(String id) {
        if (id == null || id.length() != 32) {
            return false;
        }
        for (int i = 0; i < 32; i++) {
            char c = id.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }
}
