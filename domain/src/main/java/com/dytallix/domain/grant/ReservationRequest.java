package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.IpRange;
import java.time.Instant;
import java.util.Optional;

/**
 * A validated faucet request, ready for the admission rules that read the ledger and to be
 * recorded. The amount comes from their decision.
 *
 * @param client the client the per-IP rules count ({@link ClientIp#client(int)})
 * @param subnet the network the subnet quota counts ({@link ClientIp#subnet()})
 */
public record ReservationRequest(
        GrantId id, Address address, ClientIp ip, IpRange client, IpRange subnet,
        Optional<String> idempotencyKey, String requestHash, Instant now) {
}
