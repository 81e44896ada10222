package com.dytallix.adapters.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An answer in the contract's error envelope: {@code {code, message, details?, requestId}}.
 * Thrown from handlers; the error handler writes it.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final Object details;
    private final Map<String, String> headers;

    public ApiException(int status, String code, String message) {
        this(status, code, message, null, Map.of());
    }

    public ApiException(int status, String code, String message, Object details, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details;
        this.headers = Map.copyOf(headers);
    }

    public static ApiException invalidRequest(String field, String problem) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("field", field);
        details.put("problem", problem);
        return new ApiException(400, "INVALID_REQUEST", field + ": " + problem, details, Map.of());
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

    public Object details() {
        return details;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
