package com.dytallix.application.status;

import java.util.Locale;

/** ok: fresh answers; degraded: answering but lagging or syncing; unreachable: the last refresh failed. */
public enum NodeHealth {
    OK, DEGRADED, UNREACHABLE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
