package com.dytallix.adapters.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * An answer in the contract's error envelope: {@code {code, message, details?, requestId}}.
 * Thrown from handlers; the error handler writes it.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final Details details;
    private final Map<String, String> headers;
    private final boolean fixed;

    public ApiException(int status, String code, String message) {
        this(status, code, message, null, Map.of());
    }

    public ApiException(int status, String code, String message, Details details, Map<String, String> headers) {
        this(status, code, message, details, headers, false);
    }

    private ApiException(int status, String code, String message, Details details, Map<String, String> headers, boolean fixed) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details;
        this.headers = Map.copyOf(headers);
        this.fixed = fixed;
    }

    /**
     * An answer that is one of a few, repeated under a flood (a refusal whose code, message and
     * details take no text from the request): its envelope is written from bytes prepared once.
     */
    public static ApiException fixed(int status, String code, String message, Details details) {
        return new ApiException(status, code, message, details, Map.of(), true);
    }

    /** A 429 of a limit: {@link #fixed} but for its reset time, which is put in the prepared bytes as it is. */
    public static ApiException rateLimited(String message, Details.RateLimit details, Map<String, String> headers) {
        return new ApiException(429, "RATE_LIMIT", message, details, headers, true);
    }

    public static ApiException invalidRequest(String field, String problem) {
        return new ApiException(400, "INVALID_REQUEST", field + ": " + problem, new Details.FieldProblem(field, problem), Map.of());
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, "NOT_FOUND", what);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** What the envelope's {@code details} holds, by kind of error (field order is the wire order). */
    public sealed interface Details {
        /** A request field and what is wrong with it. */
        record FieldProblem(String field, String problem) implements Details {
        }

        /** Why a block or a limit applies: {@code ip}, {@code subnet}, {@code address}, … */
        record Scope(String scope) implements Details {
        }

        record Reason(String reason) implements Details {
        }

        /** A limit reached, and when it lets the client in again. */
        record RateLimit(String scope, String resetAt) implements Details {
        }

        /** The node's own error: its code and data only when it sent them. */
        record NodeError(@JsonInclude(JsonInclude.Include.NON_NULL) Integer code, String message,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Object data) implements Details {
        }
    }

    public Details details() {
        return details;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** See {@link #fixed}. */
    public boolean isFixed() {
        return fixed;
    }
}
