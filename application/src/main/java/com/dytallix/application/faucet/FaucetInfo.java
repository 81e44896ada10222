package com.dytallix.application.faucet;

import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.PauseState;
import com.dytallix.domain.grant.Factor;
import java.math.BigInteger;
import java.util.List;

/**
 * What a requester needs to know before asking.
 *
 * @param payout        what a grant to this client would pay now (the drip after the governor and reputation)
 * @param factors       the rules that scale it now
 * @param budget        the outflow budget now, in wei, negative while in debt
 * @param powDifficulty leading zero bits a proof of work needs now; 0 when it is off
 */
public record FaucetInfo(Wei drip, Wei payout, List<Factor> factors, BigInteger budget, FaucetPolicy policy,
                         PauseState pause, int powDifficulty) {
    public FaucetInfo {
        factors = List.copyOf(factors);
    }
}
