package com.dytallix.application.faucet;

import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.grant.Refusal;
import java.time.Instant;
import java.util.Optional;

/** Why the faucet said no. The HTTP adapter maps each kind to the contract's status and code. */
public final class FaucetRefusal extends RuntimeException {
    public enum Kind {
        BLOCKED, PAUSED, POW_REQUIRED, POW_INVALID, RATE_LIMITED, INSUFFICIENT_BALANCE, IDEMPOTENCY_CONFLICT,
        NODE_UNAVAILABLE, SEND_REJECTED;

        private final String outcome = name().toLowerCase(java.util.Locale.ROOT);

        /** The kind as a fingerprint's and a metric's outcome ("blocked", "pow_invalid", ...), made once. */
        public String outcome() {
            return outcome;
        }
    }

    private static final String CLIENT_BLOCKED = "this client is blocked from the faucet";
    private static final String ADDRESS_BLOCKED = "this address is blocked from the faucet";

    private final Kind kind;
    private final LimitScope scope;
    private final Instant resetAt;
    private final String blockedScope;

    private FaucetRefusal(Kind kind, String message, LimitScope scope, Instant resetAt) {
        this(kind, message, scope, resetAt, null);
    }

    private FaucetRefusal(Kind kind, String message, LimitScope scope, Instant resetAt, String blockedScope) {
        super(message, null, false, false);
        this.kind = kind;
        this.scope = scope;
        this.resetAt = resetAt;
        this.blockedScope = blockedScope;
    }

    /** The refusal of an admission rule. */
    public static FaucetRefusal of(Refusal refusal) {
        return switch (refusal) {
            case Refusal.Blocked b -> new FaucetRefusal(Kind.BLOCKED, b.scope().equals("ip") ? CLIENT_BLOCKED : ADDRESS_BLOCKED,
                    null, null, b.scope());
            case Refusal.Paused p -> paused(p.reason());
            case Refusal.ProofOfWorkRequired ignored -> new FaucetRefusal(Kind.POW_REQUIRED,
                    "a proof of work is required: GET /api/faucet/challenge?address=... and send its solution as pow", null, null);
            case Refusal.ProofOfWorkInvalid i -> new FaucetRefusal(Kind.POW_INVALID, "invalid proof of work: " + i.why(), null, null);
            case Refusal.RateLimited r -> rateLimited(r.scope(), r.resetAt());
            case Refusal.InsufficientBalance ignored -> insufficientBalance();
        };
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

    /** For BLOCKED: {@code ip} or {@code address}. */
    public Optional<String> blockedScope() {
        return Optional.ofNullable(blockedScope);
    }

    public Optional<Instant> resetAt() {
        return Optional.ofNullable(resetAt);
    }
}
