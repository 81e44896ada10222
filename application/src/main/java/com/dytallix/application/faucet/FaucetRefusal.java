package com.dytallix.application.faucet;

import com.dytallix.domain.grant.LimitScope;
import java.time.Instant;
import java.util.Optional;

/** Why the faucet said no. The HTTP adapter maps each kind to the contract's status and code. */
public final class FaucetRefusal extends RuntimeException {
    public enum Kind { PAUSED, RATE_LIMITED, INSUFFICIENT_BALANCE, IDEMPOTENCY_CONFLICT, NODE_UNAVAILABLE, SEND_REJECTED }

    private final Kind kind;
    private final LimitScope scope;
    private final Instant resetAt;

    private FaucetRefusal(Kind kind, String message, LimitScope scope, Instant resetAt) {
        super(message, null, false, false);
        this.kind = kind;
        this.scope = scope;
        this.resetAt = resetAt;
    }

    public static FaucetRefusal paused(String reason) {
        return new FaucetRefusal(Kind.PAUSED, reason, null, null);
    }

    public static FaucetRefusal rateLimited(LimitScope scope, Instant resetAt) {
        return new FaucetRefusal(Kind.RATE_LIMITED, "rate limit reached (" + scope.wireName() + ")", scope, resetAt);
    }

    public static FaucetRefusal insufficientBalance() {
        return new FaucetRefusal(Kind.INSUFFICIENT_BALANCE, "the faucet balance is too low to pay out; try again later", null, null);
    }

    public static FaucetRefusal idempotencyConflict() {
        return new FaucetRefusal(Kind.IDEMPOTENCY_CONFLICT, "this Idempotency-Key was used for a different request", null, null);
    }

    public static FaucetRefusal nodeUnavailable(String message) {
        return new FaucetRefusal(Kind.NODE_UNAVAILABLE, message, null, null);
    }

    public static FaucetRefusal sendRejected(String message) {
        return new FaucetRefusal(Kind.SEND_REJECTED, message, null, null);
    }

    public Kind kind() {
        return kind;
    }

    public Optional<LimitScope> scope() {
        return Optional.ofNullable(scope);
    }

    public Optional<Instant> resetAt() {
        return Optional.ofNullable(resetAt);
    }
}
