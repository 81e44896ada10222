package com.dytallix.adapters.http;

/**
 * A client's bytes made fit for a log line: what the edge could only read from a request it refused
 * (its method and path) is bounded, and every character outside printable ASCII is written as
 * {@code %XX} ({@code %uXXXX} beyond U+00FF), so a CR, LF or escape sequence in a request line can
 * neither start a line of its own nor reach a terminal. At most {@link #MAX} characters, then "..."
 * (an escape begun before the bound is written whole: at most {@link #LONGEST} in all).
 */
public final class LogSafe {
    /** At most this many characters of a method or path, before "..." marks the cut. */
    public static final int MAX = 128;
    /** The longest value {@link #of} returns. */
    public static final int LONGEST = MAX - 1 + "%uFFFD".length() + "...".length();
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private LogSafe() {
    }

    /** {@code value} bounded to {@link #MAX} characters (then "..."), escaped; {@code fallback} when null or empty. */
    public static String of(String value, String fallback) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        int n = value.length();
        int i = 0;
        while (i < n && i < MAX && printable(value.charAt(i))) {
            i++;
        }
        if (i == n) {
            return value; // the usual case: nothing to escape, within the bound
        }
        StringBuilder out = new StringBuilder(Math.min(n, MAX) + 16).append(value, 0, i);
        for (; i < n && out.length() < MAX; i++) {
            char c = value.charAt(i);
            if (printable(c)) {
                out.append(c);
            } else if (c <= 0xFF) {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            } else {
                out.append("%u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
            }
        }
        if (i < n) {
            out.append("...");
        }
        return out.toString();
    }

    private static boolean printable(char c) {
        return c > 0x20 && c < 0x7F;
    }
}
