package com.dytallix.bootstrap.observability;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The access log's JSON line, written by hand: the same fields in the same order as the other
 * lines' encoder (time, level, logger, thread, message, the MDC with {@code status} and
 * {@code durationMs} as numbers, stackTrace when an exception is attached), without its generic
 * machinery — a JSON generator, a timestamp formatter and a writer chosen per MDC entry for every
 * line, which the access log pays once per request (relayed calls and refusals included).
 */
public final class AccessLineEncoder extends EncoderBase<ILoggingEvent> {
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** The time up to the second, made once a second: most lines share it. */
    private volatile Second second = new Second(Long.MIN_VALUE, "");

    private record Second(long epochSecond, String text) {
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
        string(out, event.getLoggerName());
        out.append(",\"thread\":");
        string(out, event.getThreadName());
        out.append(",\"message\":");
        string(out, event.getFormattedMessage());
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc != null) {
            for (Map.Entry<String, String> e : mdc.entrySet()) {
                String key = e.getKey();
                String value = e.getValue();
                out.append(',');
                string(out, key);
                out.append(':');
                if (value != null && (key.equals("status") || key.equals("durationMs")) && NumericMdcFields.plainNumber(value)) {
                    out.append(value);
                } else if (value == null) {
                    out.append("null");
                } else {
                    string(out, value);
                }
            }
        }
        if (event.getThrowableProxy() != null) {
            out.append(",\"stackTrace\":");
            string(out, ThrowableProxyUtil.asString(event.getThrowableProxy()));
        }
        out.append("}\n");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void time(StringBuilder out, long epochMillis) {
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

    /** A JSON string: quote, backslash and control characters escaped, the rest as it is (UTF-8 on the way out). */
    static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                switch (c) {
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                }
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
