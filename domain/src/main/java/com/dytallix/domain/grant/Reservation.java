package com.dytallix.domain.grant;

import java.time.Instant;

/** What the ledger answers to a reservation: the new grant, a refusal, or an earlier grant with the same idempotency key. */
public sealed interface Reservation {
    record Reserved(Grant grant) implements Reservation {
    }

    /** @param resetAt when the oldest grant that keeps this limit full leaves the window */
    record Refused(LimitScope scope, Instant resetAt) implements Reservation {
    }

    record Replayed(Grant existing) implements Reservation {
    }
}
