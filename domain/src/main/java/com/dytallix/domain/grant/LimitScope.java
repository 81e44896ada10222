package com.dytallix.domain.grant;

import java.util.Locale;

/**
 * Which limit refused a request; the API reports it in {@code details.scope}. {@code FILTERS}: the
 * relay holds as many filters on the node as it allows in all (RPC_MAX_FILTERS).
 */
public enum LimitScope {
    IP, ADDRESS, SUBNET, SUSPICIOUS, REQUESTS, DAILY_CAP, FILTERS;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
