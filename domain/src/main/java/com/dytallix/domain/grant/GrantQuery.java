package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import java.time.Instant;
import java.util.Optional;

/** Filters for the admin's grant search; newest first. */
public record GrantQuery(Optional<Instant> since, Optional<ClientIp> ip, Optional<Address> address,
                         Optional<GrantStatus> status, int limit) {
}
