package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import java.time.Instant;

/** One validated faucet request as seen at the door, with how it ended (granted, rate_limit, paused, ...). */
public record Fingerprint(ClientIp ip, Address address, String userAgent, String hash, String outcome, Instant at) {
}
