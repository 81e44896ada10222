package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.Wei;
import java.time.Instant;
import java.util.Optional;

/** A validated faucet request, ready to be checked against the quotas and recorded. */
public record ReservationRequest(
        GrantId id, Address address, ClientIp ip, Wei amount,
        Optional<String> idempotencyKey, String requestHash, Instant now) {
}
