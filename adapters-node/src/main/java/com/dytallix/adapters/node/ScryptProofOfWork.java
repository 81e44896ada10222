package com.dytallix.adapters.node;

import com.dytallix.domain.admission.Challenge;
import com.dytallix.domain.admission.ProofOfWork;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * The faucet's proof of work, checked with Bouncy Castle's scrypt: the nonce solves the challenge
 * when scrypt(password = UTF-8 {@code <challenge>:<address lower-case>:<nonce>}, salt = UTF-8
 * {@code <challenge>}, N, r, p, 32 bytes) starts with at least {@code difficulty} zero bits. A
 * browser computes the same with any scrypt library.
 *
 * <p>Each check takes 128·N·r bytes (16 MiB at the defaults), so at most one check per processor
 * runs at once and the others wait their turn: a flood of proofs costs time, never the heap.
 */
public final class ScryptProofOfWork implements ProofOfWork {
    public static final int KEY_LENGTH = 32;

    private final Semaphore running = new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()), true);

    @Override
    public boolean solves(Challenge challenge, String nonce) {
        running.acquireUninterruptibly();
        try {
            return leadingZeroBits(hash(challenge, nonce)) >= challenge.difficulty();
        } finally {
            running.release();
        }
    }

    /** The scrypt output for one nonce (also how a test or a client solves a challenge). */
    public static byte[] hash(Challenge challenge, String nonce) {
        byte[] password = (challenge.id() + ":" + challenge.address().lower() + ":" + nonce).getBytes(StandardCharsets.UTF_8);
        byte[] salt = challenge.id().getBytes(StandardCharsets.UTF_8);
        return SCrypt.generate(password, salt, challenge.n(), challenge.r(), challenge.p(), KEY_LENGTH);
    }

    public static int leadingZeroBits(byte[] bytes) {
        int bits = 0;
        for (byte b : bytes) {
            if (b == 0) {
                bits += 8;
                continue;
            }
            return bits + Integer.numberOfLeadingZeros(b & 0xff) - 24;
        }
        return bits;
    }
}
