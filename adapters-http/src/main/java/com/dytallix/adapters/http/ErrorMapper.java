package com.dytallix.adapters.http;

import com.dytallix.application.faucet.ChainGuard;
import com.dytallix.application.faucet.FaucetRefusal;
import com.dytallix.application.relay.RelayFilters;
import com.dytallix.application.relay.RelayService;
import com.dytallix.domain.InvalidAddressException;
import com.dytallix.domain.InvalidAmountException;
import com.dytallix.domain.StoreBusyException;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.key.InvalidKeyException;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import io.helidon.http.HttpException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** The one place where failures become the contract's status codes and error codes. */
final class ErrorMapper {
    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());
    static volatile Clock clock = Clock.systemUTC();
    /**
     * The reset time last written, as text: the refusals of one quota (or one client's request
     * limit) share their reset time, and formatting it anew was 1.5 % of the quota flood's CPU.
     */
    private static volatile ResetText lastReset = new ResetText(Instant.EPOCH, Instant.EPOCH.toString());

    private record ResetText(Instant at, String text) {
    }

    private ErrorMapper() {
    }

    public static ApiException map(Throwable t) {
        return switch (t) {
            case ApiException api -> api;
            case InvalidAddressException e -> ApiException.fixed(400, "INVALID_ADDRESS", e.getMessage(), null);
            case InvalidAmountException e -> new ApiException(400, "INVALID_REQUEST", e.getMessage());
            case InvalidKeyException e -> new ApiException(400, "INVALID_REQUEST", e.getMessage());
            // logged by the edge with the code, as every 5xx is
            case StoreBusyException e -> new ApiException(503, "DATABASE_BUSY",
                    "the database is busy (another process holds its write lock); nothing was done, retry shortly", null,
                    Map.of("Retry-After", "1"));
            case FaucetRefusal r -> refusal(r);
            case RelayService.MethodNotAllowed e -> new ApiException(403, "RPC_METHOD_NOT_ALLOWED", e.getMessage());
            case ChainGuard.NotTheNodesChain e -> new ApiException(409, "CHAIN_MISMATCH", e.getMessage());
            case RelayFilters.LimitReached e -> rateLimited(LimitScope.FILTERS.wireName(), e.retryAt(), e.getMessage());
            case NodeException e -> node(e);
            case HttpException e -> http(e);
            default -> {
                LOG.log(System.Logger.Level.ERROR, "unexpected failure: " + t.getClass().getName(), t);
                yield new ApiException(500, "INTERNAL_ERROR", "internal error; the request id identifies it in the server log");
            }
        };
    }

    static ApiException node(NodeException e) {
        return switch (e.failure()) {
            case TIMEOUT -> new ApiException(504, "RPC_TIMEOUT", "the node did not answer in time");
            case OVERLOADED -> new ApiException(503, "NODE_UNAVAILABLE", "the server is busy (" + e.getMessage() + "); retry shortly",
                    null, Map.of("Retry-After", "1"));
            case UNREACHABLE, BAD_RESPONSE, RATE_LIMITED -> new ApiException(502, "NODE_UNAVAILABLE",
                    "the node is unavailable (" + e.failure().name().toLowerCase(java.util.Locale.ROOT) + ")");
            default -> {
                String message = e.failure() == NodeFailure.RESPONSE_TOO_LARGE ? "the node's answer is too large to relay"
                        : e.reachedNode() ? "the node returned an error" : "the relay refused the call before it reached the node";
                yield new ApiException(400, "RPC_ERROR", message, new ApiException.Details.NodeError(
                        e.rpcCode().orElse(null), e.getMessage(), e.rpcDataJson().map(Json::rawOrText).orElse(null)), Map.of());
            }
        };
    }

    private static ApiException refusal(FaucetRefusal r) {
        return switch (r.kind()) {
            case BLOCKED -> ApiException.fixed(403, "BLOCKED", r.getMessage(),
                    new ApiException.Details.Scope(r.blockedScope().orElseThrow()));
            case POW_REQUIRED -> ApiException.fixed(400, "POW_REQUIRED", r.getMessage(), null);
            case POW_INVALID -> ApiException.fixed(400, "POW_INVALID", r.getMessage(), null);
            case PAUSED -> ApiException.fixed(503, "FAUCET_PAUSED", "the faucet is paused",
                    new ApiException.Details.Reason(r.getMessage()));
            case INSUFFICIENT_BALANCE -> ApiException.fixed(503, "INSUFFICIENT_BALANCE", r.getMessage(), null);
            case IDEMPOTENCY_CONFLICT -> new ApiException(409, "IDEMPOTENCY_CONFLICT", r.getMessage());
            case NODE_UNAVAILABLE -> new ApiException(502, "NODE_UNAVAILABLE", r.getMessage());
            case SEND_REJECTED -> new ApiException(502, "RPC_ERROR", r.getMessage());
            case RATE_LIMITED -> rateLimited(r.scope().orElseThrow().wireName(), r.resetAt().orElseThrow(), r.getMessage());
        };
    }

    /** 429 with Retry-After in whole seconds (rounded up) and details {scope, resetAt}. */
    public static ApiException rateLimited(String scope, Instant resetAt, String message) {
        long seconds = Math.max(1, (Duration.between(clock.instant(), resetAt).toMillis() + 999) / 1000);
        ResetText reset = lastReset;
        if (!reset.at().equals(resetAt)) {
            reset = new ResetText(resetAt, Responses.time(resetAt));
            lastReset = reset;
        }
        return ApiException.rateLimited(message, new ApiException.Details.RateLimit(scope, reset.text()),
                Map.of("Retry-After", Long.toString(seconds)));
    }

    private static ApiException http(HttpException e) {
        int code = e.status().code();
        return switch (code) {
            case 413 -> new ApiException(413, "PAYLOAD_TOO_LARGE", "request body is too large");
            case 415 -> new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", "request body must be JSON");
            case 404 -> ApiException.notFound("not found");
            case 405 -> new ApiException(405, "METHOD_NOT_ALLOWED", "method not allowed");
            default -> code >= 500
                    ? new ApiException(500, "INTERNAL_ERROR", "internal error; the request id identifies it in the server log")
                    : new ApiException(400, "INVALID_REQUEST", "the request could not be understood");
        };
    }
}
