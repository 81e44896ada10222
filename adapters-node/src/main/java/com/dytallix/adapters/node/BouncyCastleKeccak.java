package com.dytallix.adapters.node;

import com.dytallix.domain.Keccak256;
import org.bouncycastle.crypto.digests.KeccakDigest;

/** Ethereum's Keccak-256 (the original Keccak padding, not NIST SHA3-256). Stateless and thread-safe. */
public final class BouncyCastleKeccak implements Keccak256 {
    public static final BouncyCastleKeccak INSTANCE = new BouncyCastleKeccak();

    private BouncyCastleKeccak() {
    }

    @Override
    public byte[] hash(byte[] input) {
        KeccakDigest digest = new KeccakDigest(256);
        digest.update(input, 0, input.length);
        byte[] out = new byte[32];
        digest.doFinal(out, 0);
        return out;
    }
}
