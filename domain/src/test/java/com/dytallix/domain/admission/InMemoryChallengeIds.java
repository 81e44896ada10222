package com.dytallix.domain.admission;

import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/** {@link ChallengeIds} for tests: an id is genuine when this object issued it (share one between two services for two instances). */
public final class InMemoryChallengeIds implements ChallengeIds {
    private final Set<String> issued = ConcurrentHashMap.newKeySet();

    @Override
    public String next() {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        String text = HexFormat.of().formatHex(id);
        issued.add(text);
        return text;
    }

    @Override
    public boolean issued(String id) {
        return issued.contains(id);
    }
}
