package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import java.time.Instant;

/**
 * One validated faucet request as seen at the door, with how it ended (granted, rate_limit, paused, ...).
 *
 * @param client the client its per-IP rules counted it against
 */
public record Fingerprint(ClientIp ip, IpRange client, Address address, String userAgent, String hash, String outcome, Instant at) {
    /**
     * The outcome of a request refused because its client or address is on the block list. Such a
     * request never reaches the suspicious-activity rule, and its address says nothing about a client
     * the block already stops, so the rule does not count it ({@link LedgerWindow#addressesFrom}).
     */
    public static final String BLOCKED = "blocked";
}
