package com.dytallix.domain.grant;

import java.util.Locale;

/** Which limit refused a request; the API reports it in {@code details.scope}. */
public enum LimitScope {
    IP, ADDRESS, SUBNET, SUSPICIOUS, REQUESTS, DAILY_CAP;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
