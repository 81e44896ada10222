package com.dytallix.bootstrap.config;

import com.dytallix.domain.IpRange;
import com.dytallix.domain.Wei;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One setting as an operator meets it: its name, its default, how a value is read and checked,
 * whether it is a secret, and its row in docs/configuration.md. Declared once, in {@link Settings};
 * parsing, {@code check-config}, the unknown-key warnings and the documentation test all read it.
 *
 * @param shownDefault the default as the documentation states it (a sentence where the raw default
 *                     is empty or long)
 */
public record Setting<T>(String name, String defaultValue, String shownDefault, boolean secret, boolean urls, String meaning,
                         Reader<T> reader) {

    /** Reads a raw value; throws {@link IllegalArgumentException} saying what is wrong. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(String value);
    }

    /** Several things wrong with one value, one line each. */
    static final class Invalid extends IllegalArgumentException {
        private final List<String> whys;

        Invalid(List<String> whys) {
            super(String.join("; ", whys));
            this.whys = List.copyOf(whys);
        }
    }

    static <T> Setting<T> of(String name, String defaultValue, Reader<T> reader, String meaning) {
        return new Setting<>(name, defaultValue, defaultValue, false, false, meaning, reader);
    }

    /** The same setting, never printed. */
    Setting<T> asSecret() {
        return new Setting<>(name, defaultValue, shownDefault, true, urls, meaning, reader);
    }

    /** The same setting holding URLs: their passwords are masked wherever the value is printed. */
    Setting<T> asUrls() {
        return new Setting<>(name, defaultValue, shownDefault, secret, true, meaning, reader);
    }

    /** The same setting, its default documented as {@code shown}. */
    Setting<T> shown(String shown) {
        return new Setting<>(name, defaultValue, shown, secret, urls, meaning, reader);
    }

    /** The value read from {@code raw}, or empty with each problem added as {@code NAME: what is wrong}. */
    Optional<T> read(String raw, List<String> problems) {
        String value = raw == null ? defaultValue : raw.strip();
        try {
            return Optional.of(reader.read(value));
        } catch (Invalid e) {
            e.whys.forEach(why -> problems.add(name + ": " + masked(why, value)));
        } catch (IllegalArgumentException e) {
            problems.add(name + ": " + masked(e.getMessage(), value));
        }
        return Optional.empty();
    }

    /** A secret's value stays out of the message, whatever the reader wrote. */
    private String masked(String why, String value) {
        return secret && !value.isEmpty() ? why.replace(value, "******") : why;
    }

    /** As {@code check-config} prints it. */
    String describe(String raw, String origin) {
        String shown = secret && !raw.isEmpty() ? "****** (set)" : urls ? maskedUrls(raw) : raw;
        return name + "=" + shown + "    # " + origin;
    }

    /**
     * URLs as {@code check-config} shows them: the scheme, the user, the host and the port; a password, and a path
     * or query beyond {@code /} (where hosted nodes put the API key: {@code https://host/v2/KEY}, {@code ?apikey=…}),
     * become {@code ******}, as everywhere else the server names a node.
     */
    private static String maskedUrls(String raw) {
        return raw.replaceAll("//([^:/@,]*):[^@/,]*@", "//$1:******@").replaceAll("(//[^/?#,]*)(?:/[^,]*[^,/]|[?#][^,]*)", "$1/******");
    }

    /** Its row in the table of docs/configuration.md. */
    public String documentationRow() {
        return "| " + name + " | " + shownDefault + " | " + meaning + " |";
    }

    // Readers. Messages name the value as read ("got '…'"), secrets are masked by read().

    static Reader<String> text() {
        return v -> {
            if (v.isEmpty()) {
                throw new IllegalArgumentException("must not be empty");
            }
            return v;
        };
    }

    static Reader<Path> path() {
        return v -> Path.of(text().read(v));
    }

    static Reader<Integer> integer(int min, int max) {
        return v -> {
            int n;
            try {
                n = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be a whole number, got '" + v + "'");
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException("must be between " + min + " and " + max + ", got " + v);
            }
            return n;
        };
    }

    static Reader<Duration> millis(int min, int max) {
        return v -> Duration.ofMillis(integer(min, max).read(v));
    }

    static Reader<Long> positiveLong() {
        return v -> {
            long n;
            try {
                n = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be a whole number, got '" + v + "'");
            }
            if (n <= 0) {
                throw new IllegalArgumentException("must be a positive whole number, got '" + v + "'");
            }
            return n;
        };
    }

    static Reader<Boolean> bool() {
        return raw -> {
            String v = raw.toLowerCase(Locale.ROOT);
            return switch (v) {
                case "true", "yes", "1", "on" -> true;
                case "false", "no", "0", "off" -> false;
                default -> throw new IllegalArgumentException("must be true or false, got '" + v + "'");
            };
        };
    }

    static Reader<String> choice(String... allowed) {
        return raw -> {
            String v = raw.toLowerCase(Locale.ROOT);
            if (!Arrays.asList(allowed).contains(v)) {
                throw new IllegalArgumentException("must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
            }
            return v;
        };
    }

    /** An amount of DYT, decimal. */
    static Reader<Wei> dyt(boolean positive) {
        return v -> {
            Wei w;
            try {
                w = Wei.ofDyt(v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + ", got '" + v + "'");
            }
            if (positive && w.value().signum() == 0) {
                throw new IllegalArgumentException("must be greater than 0");
            }
            return w;
        };
    }

    /** A whole number of gwei. */
    static Reader<Wei> gwei(int min, int max) {
        return v -> Wei.ofDyt(new BigDecimal(integer(min, max).read(v)).movePointLeft(9));
    }

    /** Comma-separated, blanks dropped. */
    static Reader<List<String>> list() {
        return v -> Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    static Reader<List<IpRange>> ranges() {
        return v -> {
            List<IpRange> out = new ArrayList<>();
            List<String> whys = new ArrayList<>();
            for (String item : list().read(v)) {
                try {
                    out.add(IpRange.parse(item));
                } catch (IllegalArgumentException e) {
                    whys.add("'" + item + "' is not an IP address or CIDR block");
                }
            }
            if (!whys.isEmpty()) {
                throw new Invalid(whys);
            }
            return List.copyOf(out);
        };
    }

    /** Empty means unset. */
    static <T> Reader<Optional<T>> optional(Reader<T> reader) {
        return v -> v.isEmpty() ? Optional.empty() : Optional.of(reader.read(v));
    }

    static Reader<URI> httpUrl() {
        return v -> {
            URI uri;
            try {
                uri = URI.create(v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a valid URL, got '" + v + "'");
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("must be an http:// or https:// URL, got '" + v + "'");
            }
            return uri;
        };
    }

    /** A secp256k1 private key's shape: 32 bytes of hex, 0x optional. Normalised to lower case without 0x. */
    static Reader<String> privateKey() {
        return v -> {
            String hex = v.startsWith("0x") || v.startsWith("0X") ? v.substring(2) : v;
            if (!hex.matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException("must be 64 hex digits (32 bytes), with or without 0x");
            }
            return hex.toLowerCase(Locale.ROOT);
        };
    }
}
