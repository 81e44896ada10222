package com.dytallix.domain.grant;

/** What the ledger answers to a reservation: the new grant, a refusal, or an earlier grant with the same idempotency key. */
public sealed interface Reservation {
    record Reserved(Grant grant) implements Reservation {
    }

    record Refused(Refusal refusal) implements Reservation {
    }

    record Replayed(Grant existing) implements Reservation {
    }
}
