package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.admission.Challenge;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HmacChallengeIdsTest {
    private static final byte[] KEY = key(1);

    private static byte[] key(int seed) {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (seed * 31 + i);
        }
        return key;
    }

    @Test
    void anIdHasTheFormatClientsKnowIsUniqueAndIsKnownByEveryInstanceOfTheKey() {
        HmacChallengeIds here = new HmacChallengeIds(KEY);
        HmacChallengeIds anotherInstance = new HmacChallengeIds(KEY.clone());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = here.next();
            assertThat(Challenge.wellFormedId(id)).as(id).isTrue();
            assertThat(anotherInstance.issued(id)).as(id).isTrue();
            ids.add(id);
        }
        assertThat(ids).hasSize(1000);
    }

    @Test
    void anAlteredMadeUpOrForeignIdIsNotIssued() {
        HmacChallengeIds ids = new HmacChallengeIds(KEY);
        String id = ids.next();
        for (int i = 0; i < id.length(); i++) {
            char flipped = id.charAt(i) == '0' ? '1' : '0';
            String altered = id.substring(0, i) + flipped + id.substring(i + 1);
            assertThat(ids.issued(altered)).as("digit %d altered: %s", i, altered).isFalse();
        }
        assertThat(ids.issued("0123456789abcdef0123456789abcdef")).isFalse();
        assertThat(ids.issued(new HmacChallengeIds(key(2)).next())).as("another faucet's key").isFalse();
        assertThat(ids.issued(id.toUpperCase())).isFalse();
        assertThat(ids.issued(id + "0")).isFalse();
        assertThat(ids.issued("")).isFalse();
        assertThat(ids.issued(null)).isFalse();
    }

    @Test
    void aShortKeyIsRefused() {
        assertThatThrownBy(() -> new HmacChallengeIds(new byte[16])).isInstanceOf(IllegalArgumentException.class);
    }
}
