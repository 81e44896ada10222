package com.dytallix.domain.admission;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import java.time.Instant;
import java.util.Optional;

/**
 * One faucet request as the admission rules see it.
 *
 * @param client the client its per-IP rules count (the IPv4 address, or the IPv6 prefix)
 * @param subnet the network the subnet quota counts
 * @param proof  the proof of work sent with it, if any
 */
public record Applicant(Address address, ClientIp ip, IpRange client, IpRange subnet, Optional<Proof> proof, Instant now) {

    /** A solved challenge: {@code nonce} as sent (decimal text). */
    public record Proof(String challenge, String nonce) {
    }
}
