package com.dytallix.domain;

import org.bouncycastle.jcajce.provider.digest.Keccak;

/** Keccak-256 for tests of the domain (Bouncy Castle, test scope only). */
public final class TestKeccak implements Keccak256 {
    public static final TestKeccak INSTANCE = new TestKeccak();

    @Override
    public byte[] hash(byte[] input) {
        return new Keccak.Digest256().digest(input);
    }
}
