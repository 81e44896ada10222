package com.dytallix.application.faucet;

import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.ProofOfWorkPolicy;
import com.dytallix.domain.grant.OutflowPolicy;
import com.dytallix.domain.key.FeePolicy;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * The faucet's money rules as configured.
 *
 * @param ipv6Prefix       IPv6 clients are one client per prefix of this many bits, for every per-IP rule
 * @param reputationFactor the share of the payout a client on the reputation list gets
 * @param replaceAfter     a transaction not mined after this long is re-priced
 * @param confirmWait      how long {@code ?wait=confirmed} waits before answering anyway
 * @param sendWait         the bound on a grant request's answer, counted from its arrival: past it a request
 *                         whose grant is signed and stored but not yet taken by the node is answered 202
 *                         (stored, being sent, its hash known); signing and storing are never cut short
 */
public record FaucetPolicy(Wei dripAmount, Wei minBalance, Limits limits, OutflowPolicy outflow,
                           ProofOfWorkPolicy proofOfWork, int ipv6Prefix, BigDecimal reputationFactor,
                           FeePolicy fees, Duration replaceAfter, Duration confirmWait, Duration sendWait) {

    /**
     * Grants per client, subnet and address in a rolling day, the daily cap, and how many distinct
     * addresses one client may ask for in an hour.
     */
    public record Limits(int perIp, int perSubnet, int perAddress, Wei dailyCap, int suspiciousAddressesPerHour) {
    }
}
