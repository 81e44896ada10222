package com.dytallix.bootstrap.observability;

import java.math.BigDecimal;
import java.text.Format;
import java.text.MessageFormat;
import java.util.Arrays;
import java.util.Locale;

/**
 * A log message's {@code {0}}-style parameters filled in, for both ways into the log
 * ({@link SystemLoggers}, {@link JavaLoggingBridge}): as {@link MessageFormat} fills them, except that
 * a number with no format of its own in the pattern is written plainly ({@code nonce 1234567}).
 * MessageFormat writes it with the default locale's grouping ({@code 1,234,567}, {@code 1.234.567}
 * in German), so the nonce, block or count in a log line did not match the same number anywhere else
 * (the ledger, an explorer, a grep for it) and changed with the machine's locale.
 */
final class LogMessages {
    private LogMessages() {
    }

    static String format(String pattern, Object[] params) {
        if (pattern == null || params == null || params.length == 0) {
            return pattern;
        }
        try {
            MessageFormat message = new MessageFormat(pattern, Locale.ROOT);
            Format[] formats = message.getFormatsByArgumentIndex();
            Object[] plain = params.clone();
            for (int i = 0; i < Math.min(formats.length, plain.length); i++) {
                if (formats[i] == null && plain[i] instanceof Number number) {
                    plain[i] = number instanceof BigDecimal decimal ? decimal.toPlainString() : number.toString();
                }
            }
            return message.format(plain);
        } catch (IllegalArgumentException e) {
            // not a pattern after all (an unmatched brace): the text as given, and what it was given
            return pattern + " " + Arrays.toString(params);
        }
    }
}
