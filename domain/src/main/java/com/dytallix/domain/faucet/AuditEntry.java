package com.dytallix.domain.faucet;

import com.dytallix.domain.ClientIp;
import java.time.Instant;

/**
 * One admin action, allowed or refused.
 *
 * @param outcome e.g. "ok", "unauthorized", "forbidden", "invalid", "error"
 * @param detail  what changed, never a secret
 */
public record AuditEntry(Instant at, String action, ClientIp ip, String outcome, String detail) {
}
