package com.dytallix.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;

/** Reads JSON request bodies within REQUEST_SIZE_LIMIT, in the contract's envelope when they are wrong. */
final class Bodies {
    private final long limit;

    public Bodies(long limit) {
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }

    /** The body as JSON; an absent body gives {@code null} when {@code optional}. */
    public JsonNode json(ServerRequest req, boolean optional) {
        byte[] body = jsonBytes(req);
        if (body.length == 0 && optional) {
            return null;
        }
        return Json.parse(body);
    }

    /** The body's bytes, refused when it is not declared as JSON; empty when there is none. */
    public byte[] jsonBytes(ServerRequest req) {
        byte[] body = bytes(req);
        if (body.length > 0) {
            requireJsonType(req);
        }
        return body;
    }

    /** The raw body, refusing anything over the limit (413) before reading it whole. */
    public byte[] bytes(ServerRequest req) {
        var declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            throw tooLarge();
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        // chunked bodies are refused at the edge, so the length is declared: a buffer of that size, not of the limit
        int expected = (int) Math.min(Integer.MAX_VALUE - 8, declared.isPresent() ? declared.getAsLong() : limit + 1);
        byte[] data = ReadDeadlines.whileReading(() -> read(req, expected));
        if (data.length > limit) {
            throw tooLarge();
        }
        return data;
    }

    private byte[] read(ServerRequest req, int expected) {
        try (InputStream in = req.content().inputStream()) {
            return in.readNBytes(expected);
        } catch (IOException | RuntimeException e) {
            throw new ApiException(400, "INVALID_REQUEST", "request body could not be read");
        }
    }

    private ApiException tooLarge() {
        return new ApiException(413, "PAYLOAD_TOO_LARGE", "request body is larger than " + limit + " bytes");
    }

    static void requireJsonType(ServerRequest req) {
        if (!jsonType(req.headers().first(HeaderNames.CONTENT_TYPE).orElse(""))) {
            throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE",
                    "request body must be JSON (Content-Type: application/json)");
        }
    }

    private static final String APPLICATION = "application/";
    private static final String JSON = "application/json";
    private static final String SUFFIX = "+json";

    /**
     * Whether a Content-Type names JSON: {@code application/json} or {@code application/*+json}, in any
     * case of ASCII letters, with any parameters after a ';' and whitespace around the type. Read in
     * place, without the lower-cased copy and the split it took before: it runs on every relayed call.
     */
    static boolean jsonType(String type) {
        int end = type.indexOf(';');
        if (end < 0) {
            end = type.length();
        }
        int from = 0;
        while (from < end && Character.isWhitespace(type.charAt(from))) {
            from++;
        }
        while (end > from && Character.isWhitespace(type.charAt(end - 1))) {
            end--;
        }
        int n = end - from;
        if (n == JSON.length()) {
            return asciiIgnoreCase(type, from, JSON);
        }
        return n >= APPLICATION.length() + SUFFIX.length() && asciiIgnoreCase(type, from, APPLICATION)
                && asciiIgnoreCase(type, end - SUFFIX.length(), SUFFIX);
    }

    /** {@code lower} (lower-case ASCII) at {@code at} in {@code s}, ASCII letters of {@code s} in either case. */
    private static boolean asciiIgnoreCase(String s, int at, String lower) {
        for (int i = 0; i < lower.length(); i++) {
            char c = s.charAt(at + i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
