package com.dytallix.bootstrap.observability;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.regex.Pattern;
import net.logstash.logback.stacktrace.ShortenedThrowableConverter;

/**
 * One JSON object per line: {@code time}, {@code level}, {@code logger}, {@code thread},
 * {@code message}, the MDC the HTTP edge sets (requestId, clientIp, method, path, errorCode, and
 * {@code status} and {@code durationMs} as JSON numbers when they are plain numbers, text
 * otherwise) and, only when an exception is attached, {@code stackTrace} (root cause first, at most
 * 40 frames per exception and 8,192 characters). Written by hand: a generic JSON encoder, its
 * configuration and its per-line machinery cost more at start and per line than this line does.
 *
 * <p>The access log's lines are written in this format without an event ({@link AccessLog}).
 *
 * <p>{@link #setMasked masked} (the default) is the safety net for secrets that code should never
 * log in the first place: every string value is masked before it is written. The access log turns
 * it off: each of its values is the server's own (method, route template, status, duration, client
 * IP, a request id the edge accepts only when it cannot be a key), and the masks' regular
 * expressions would cost more than the rest of its line.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final int MAX_NUMBER_CHARS = 20;
    private static final Mask[] MASKS = {
        // Bearer tokens, as in an echoed Authorization header; not the shell variable a command in a line names.
        new Mask(Pattern.compile("(?i)(bearer\\s+)(?!\\$ADMIN_TOKEN(?![^\\s\"',;]))[^\\s\"',;]+"), "$1****"),
        // An admin token or private key written as name=value or name: value.
        new Mask(Pattern.compile("(?i)((?:admin_token|private_key|newKey|secret)[\"']?\\s*[=:]\\s*[\"']?)[^\\s\"',;]+"), "$1****"),
        // A 32-byte hex value (with or without 0x) looks exactly like a secp256k1 private key.
        // Transaction and block hashes have the same shape, so one directly after the word "hash",
        // "tx" or "genesis" (txHash=0x…, tx 0x…, hash: 0x…, genesis 0x…, {"genesis": "0x…"}) is kept
        // readable; any other is masked.
        new Mask(Pattern.compile("(?i)(?<!(?:hash|tx|genesis)[\\s=:\"']{0,4})(?<![0-9a-fx])(?:0x)?[0-9a-f]{64}(?![0-9a-f])"), "****"),
    };

    private boolean masked = true;
    private ShortenedThrowableConverter stackTraces;
    /** The time up to the second, made once a second: most lines share it (the access lines' too). */
    private static volatile Second second = new Second(Long.MIN_VALUE, "");

    private record Second(long epochSecond, String text) {
    }

    private record Mask(Pattern pattern, String replacement) {
    }

    /** Whether string values are masked (true unless set otherwise; in an operator's logback XML: {@code <masked>false</masked>}). */
    public void setMasked(boolean masked) {
        this.masked = masked;
    }

    @Override
    public void start() {
        stackTraces = new ShortenedThrowableConverter();
        stackTraces.setContext(getContext());
        stackTraces.setMaxDepthPerThrowable(40);
        stackTraces.setMaxLength(8192);
        stackTraces.setRootCauseFirst(true);
        stackTraces.start();
        super.start();
    }

    @Override
    public void stop() {
        super.stop();
        if (stackTraces != null) {
            stackTraces.stop();
        }
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        StringBuilder out = new StringBuilder(320);
        out.append("{\"time\":\"");
        time(out, event.getTimeStamp());
        out.append("\",\"level\":\"").append(event.getLevel().toString());
        out.append("\",\"logger\":");
        value(out, event.getLoggerName());
        out.append(",\"thread\":");
        value(out, event.getThreadName());
        String message = event.getFormattedMessage();
        if (message != null) {
            out.append(",\"message\":");
            value(out, message);
        }
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc != null) {
            for (Map.Entry<String, String> e : mdc.entrySet()) {
                String key = e.getKey();
                String mdcValue = e.getValue();
                if (key == null || mdcValue == null) {
                    continue;
                }
                out.append(',');
                string(out, key);
                out.append(':');
                if ((key.equals("status") || key.equals("durationMs")) && plainNumber(mdcValue)) {
                    out.append(mdcValue);
                } else {
                    value(out, mdcValue);
                }
            }
        }
        if (event.getThrowableProxy() != null) {
            out.append(",\"stackTrace\":");
            value(out, stackTraces.convert(event));
        }
        out.append("}\n");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void value(StringBuilder out, String s) {
        string(out, masked ? mask(s) : s);
    }

    /** Each mask in turn, on what the one before left. */
    static String mask(String s) {
        String masked = s;
        for (Mask m : MASKS) {
            masked = m.pattern().matcher(masked).replaceAll(m.replacement());
        }
        return masked;
    }

    /** {@code yyyy-MM-ddTHH:mm:ss.SSSZ} in UTC. */
    static void time(StringBuilder out, long epochMillis) {
        long epochSecond = Math.floorDiv(epochMillis, 1000);
        Second s = second;
        if (s.epochSecond() != epochSecond) {
            s = new Second(epochSecond, SECOND.format(Instant.ofEpochSecond(epochSecond)));
            second = s;
        }
        int millis = (int) Math.floorMod(epochMillis, 1000);
        out.append(s.text()).append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10))
                .append((char) ('0' + millis % 10)).append('Z');
    }

    /** Digits with at most one decimal point between them, as the HTTP edge writes them ("200", "12.345"); a JSON number as it is. */
    static boolean plainNumber(String value) {
        int n = value.length();
        if (n == 0 || n > MAX_NUMBER_CHARS || value.charAt(0) == '.' || value.charAt(n - 1) == '.'
                || n > 1 && value.charAt(0) == '0' && value.charAt(1) != '.') { // JSON has no leading zeros
            return false;
        }
        boolean point = false;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c == '.' && !point) {
                point = true;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** A JSON string: quote, backslash and control characters escaped, the rest as it is (UTF-8 on the way out). */
    static void string(StringBuilder out, String s) {
        out.append('"');
        escaped(out, s);
        out.append('"');
    }

    /** The inside of a JSON string ({@link #string} without its quotes): a part of one, the same escaped as in the whole. */
    static void escaped(StringBuilder out, String s) {
        int n = s.length();
        int plain = 0;
        while (plain < n && s.charAt(plain) >= 0x20 && s.charAt(plain) != '"' && s.charAt(plain) != '\\') {
            plain++;
        }
        out.append(s, 0, plain); // most values need no escape: copied whole
        for (int i = plain; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                switch (c) {
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    case '\b' -> out.append("\\b");
                    case '\f' -> out.append("\\f");
                    default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                }
            } else {
                out.append(c);
            }
        }
    }
}
