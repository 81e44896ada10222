package com.dytallix.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

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

    /** The body's bytes, refused when it is not declared as JSON or is not UTF-8; empty when there is none. */
    public byte[] jsonBytes(ServerRequest req) {
        byte[] body = bytes(req);
        if (body.length > 0) {
            requireJsonType(req);
            if (!utf8(body)) {
                throw notUtf8();
            }
        }
        return body;
    }

    /** The answer to a body whose bytes are not UTF-8 (where there is no JSON-RPC to answer it). */
    static ApiException notUtf8() {
        return new ApiException(400, "INVALID_REQUEST", "request body is not valid UTF-8; JSON is read as UTF-8 only");
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

    /**
     * Refuses a body not declared as one JSON media type in UTF-8: no Content-Type or another type
     * (415), several Content-Type headers or one listing several types (400: which one the client
     * meant is anyone's guess), one whose quoted parameter value is never closed (400: malformed, so
     * its charset is anyone's guess too), a charset other than UTF-8 (415; JSON is UTF-8, RFC 8259).
     */
    static void requireJsonType(ServerRequest req) {
        Headers headers = req.headers();
        if (!headers.contains(HeaderNames.CONTENT_TYPE)) {
            throw notJson();
        }
        Header header = headers.get(HeaderNames.CONTENT_TYPE);
        if (header.valueCount() != 1) {
            throw twoTypes();
        }
        String type = header.get();
        // parameters and lists are rare (web3j sends "; charset=utf-8"): the usual type is not looked at twice
        boolean more = type.indexOf(';') >= 0 || type.indexOf(',') >= 0;
        if (more) {
            switch (shape(type)) {
                case LIST -> throw twoTypes();
                case UNCLOSED_QUOTE -> throw new ApiException(400, "INVALID_REQUEST",
                        "the Content-Type is malformed: a quoted parameter value is not closed (send Content-Type: application/json)");
                case ONE -> {
                }
            }
        }
        if (!jsonType(type)) {
            throw notJson();
        }
        if (more && !charsetUtf8(type)) {
            throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE",
                    "request body must be JSON in UTF-8: send Content-Type: application/json (charset utf-8 or none)");
        }
    }

    private static ApiException notJson() {
        return new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", "request body must be JSON (Content-Type: application/json)");
    }

    private static ApiException twoTypes() {
        return new ApiException(400, "INVALID_REQUEST", "a request body needs exactly one Content-Type, naming one media type");
    }

    /** What a Content-Type is, read outside its quoted parameter values. */
    enum Shape {
        /** One media type, its quoted values closed. */
        ONE,
        /** A ',' outside a quoted value: a list of media types where one belongs. */
        LIST,
        /** A quoted value that the header ends inside (RFC 9110 5.6.4: a quoted string ends with a '"'). */
        UNCLOSED_QUOTE
    }

    static Shape shape(String type) {
        boolean quoted = false;
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                return Shape.LIST;
            }
        }
        return quoted ? Shape.UNCLOSED_QUOTE : Shape.ONE;
    }

    /**
     * Whether every {@code charset} parameter of a Content-Type names UTF-8 (in any case, quoted or not);
     * true when there is none. Parameters are {@code ; name=value}, a value a token or a quoted string.
     */
    static boolean charsetUtf8(String type) {
        int at = type.indexOf(';');
        while (at >= 0 && at < type.length()) {
            int nameStart = at + 1;
            int eq = type.indexOf('=', nameStart);
            int semi = type.indexOf(';', nameStart);
            if (eq < 0 || semi >= 0 && semi < eq) {
                at = semi; // a parameter without a value: not a charset
                continue;
            }
            String name = type.substring(nameStart, eq).strip();
            StringBuilder value = new StringBuilder();
            int i = eq + 1;
            while (i < type.length() && (type.charAt(i) == ' ' || type.charAt(i) == '\t')) {
                i++;
            }
            if (i < type.length() && type.charAt(i) == '"') {
                for (i++; i < type.length() && type.charAt(i) != '"'; i++) {
                    char c = type.charAt(i);
                    if (c == '\\' && i + 1 < type.length()) {
                        c = type.charAt(++i);
                    }
                    value.append(c);
                }
                int next = type.indexOf(';', i);
                at = next;
            } else {
                int next = type.indexOf(';', i);
                value.append(type, i, next < 0 ? type.length() : next);
                at = next;
            }
            if (name.equalsIgnoreCase("charset") && !value.toString().strip().equalsIgnoreCase("utf-8")) {
                return false;
            }
        }
        return true;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    /**
     * Whether {@code body} is UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
     * A body of ASCII, what clients send, is only looked at eight bytes at a time for a high bit; one
     * with another byte is decoded by the JDK's strict decoder.
     */
    static boolean utf8(byte[] body) {
        int i = 0;
        for (int n = body.length - 7; i < n; i += 8) {
            if (((long) LONGS.get(body, i) & HIGH_BITS) != 0) {
                return strictUtf8(body);
            }
        }
        for (; i < body.length; i++) {
            if (body[i] < 0) {
                return strictUtf8(body);
            }
        }
        return true;
    }

    private static boolean strictUtf8(byte[] body) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body));
            return true;
        } catch (CharacterCodingException e) {
            return false;
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
