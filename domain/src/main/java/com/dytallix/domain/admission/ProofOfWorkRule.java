package com.dytallix.domain.admission;

import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.LedgerWindow;
import com.dytallix.domain.grant.Refusal;
import java.util.Optional;

/**
 * A grant needs a solved challenge issued for this address and client. The challenge is used up
 * by the first attempt, right or wrong, so a proof can be neither replayed nor guessed at on the
 * server's time; the cheap checks come before the costly scrypt, and a made-up or altered id is
 * refused from its own bytes ({@link ChallengeIds}) without asking the store.
 */
public final class ProofOfWorkRule implements AdmissionRule {
    private final ProofOfWorkPolicy policy;
    private final ChallengeStore challenges;
    private final ChallengeIds ids;
    private final ProofOfWork work;

    public ProofOfWorkRule(ProofOfWorkPolicy policy, ChallengeStore challenges, ChallengeIds ids, ProofOfWork work) {
        this.policy = policy;
        this.challenges = challenges;
        this.ids = ids;
        this.work = work;
    }

    @Override
    public String name() {
        return "proof_of_work";
    }

    @Override
    public Verdict decide(Applicant applicant, Wei payout, LedgerWindow ledger) {
        if (!policy.on()) {
            return Verdict.ALLOW;
        }
        if (applicant.proof().isEmpty()) {
            return Verdict.refuse(new Refusal.ProofOfWorkRequired());
        }
        Applicant.Proof proof = applicant.proof().get();
        String id = proof.challenge();
        boolean known = Challenge.wellFormedId(id) && (ids.issued(id) || challenges.mayHoldUnprovenIds(applicant.now()));
        Optional<Challenge> taken = known ? challenges.take(id) : Optional.empty();
        if (taken.isEmpty()) {
            return invalid("unknown or already used challenge");
        }
        Challenge c = taken.get();
        if (!applicant.now().isBefore(c.expiresAt())) {
            return invalid("the challenge expired; ask for a new one");
        }
        if (!c.address().equals(applicant.address()) || !c.client().equals(applicant.client())) {
            return invalid("the challenge was issued for another address or client");
        }
        return work.solves(c, proof.nonce()) ? Verdict.ALLOW : invalid("the nonce does not solve the challenge");
    }

    private static Verdict invalid(String why) {
        return Verdict.refuse(new Refusal.ProofOfWorkInvalid(why));
    }
}
