package com.dytallix.domain.admission;

/** Checks a proof-of-work solution (the cryptography lives in an adapter). */
public interface ProofOfWork {
    /** True when {@code nonce} solves the challenge at its difficulty. */
    boolean solves(Challenge challenge, String nonce);
}
