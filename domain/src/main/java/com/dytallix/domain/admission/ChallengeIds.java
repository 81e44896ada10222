package com.dytallix.domain.admission;

/**
 * Proof-of-work challenge ids that prove where they come from: every instance of the faucet issues
 * ids this can tell from made-up or altered ones without asking the {@link ChallengeStore}, so a
 * flood of made-up proofs costs no database read. Whether a genuine id was already used or expired
 * is still the store's to say.
 */
public interface ChallengeIds {
    /** A new id, 32 lower-case hex digits ({@link Challenge#wellFormedId}), unique. */
    String next();

    /** True for an id some instance of this faucet issued (used or not); false for any other. */
    boolean issued(String id);
}
