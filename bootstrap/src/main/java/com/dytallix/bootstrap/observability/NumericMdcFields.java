package com.dytallix.bootstrap.observability;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import net.logstash.logback.composite.loggingevent.mdc.MdcEntryWriter;

/**
 * Writes the MDC's {@code status} and {@code durationMs} as JSON numbers (everything else stays
 * text). Chosen by key equality, and the value written as it is once its characters are checked
 * by hand: the encoder's writers would match patterns (keys, then the value's shape) on every
 * line, and the access log writes one line per request.
 */
public final class NumericMdcFields implements MdcEntryWriter {
    private static final int MAX_DIGITS = 20;

    @Override
    public boolean writeMdcEntry(JsonGenerator generator, String fieldName, String mdcKey, String mdcValue) throws IOException {
        if (!(mdcKey.equals("status") || mdcKey.equals("durationMs")) || !plainNumber(mdcValue)) {
            return false; // written as text
        }
        generator.writeFieldName(fieldName);
        generator.writeNumber(mdcValue);
        return true;
    }

    /** Digits with at most one decimal point between them, as the HTTP edge writes them ("200", "12.345"); a JSON number as it is. */
    static boolean plainNumber(String value) {
        int n = value.length();
        if (n == 0 || n > MAX_DIGITS || value.charAt(0) == '.' || value.charAt(n - 1) == '.'
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
}
