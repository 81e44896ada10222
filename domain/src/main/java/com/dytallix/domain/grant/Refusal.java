package com.dytallix.domain.grant;

import java.time.Instant;

/** Why an admission rule refused a faucet request. */
public sealed interface Refusal {
    /** The client IP or the address is on the operator's block list. @param scope {@code ip} or {@code address} */
    record Blocked(String scope) implements Refusal {
    }

    record Paused(String reason) implements Refusal {
    }

    record ProofOfWorkRequired() implements Refusal {
    }

    /** @param why wrong, expired, reused or for another address or client */
    record ProofOfWorkInvalid(String why) implements Refusal {
    }

    /** @param resetAt when the limit lets this client through again */
    record RateLimited(LimitScope scope, Instant resetAt) implements Refusal {
    }

    record InsufficientBalance() implements Refusal {
    }
}
