package com.dytallix.domain.sync;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One JSON value as the UTF-8 bytes that carry it: {@code length} bytes of {@code bytes} from {@code offset}, usually a
 * slice of a node's whole answer. The relay passes a node's {@code result} on this way, from the node client to the
 * socket, without a {@code String} of it (an answer of a block is hundreds of kilobytes). The array is never written
 * to once it is in one of these.
 */
public record RawJson(byte[] bytes, int offset, int length) {
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    public RawJson {
        Objects.checkFromIndexSize(offset, length, bytes.length);
    }

    /** A value of the caller's own making (a chain id, an empty list): its text's UTF-8 bytes. */
    public static RawJson of(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return new RawJson(b, 0, b.length);
    }

    /** The JSON text, decoded: for the few readers that need characters (small answers only, or tests). */
    public String text() {
        return new String(bytes, offset, length, StandardCharsets.UTF_8);
    }

    /** Byte {@code i} of the value. */
    public byte at(int i) {
        Objects.checkIndex(i, length);
        return bytes[offset + i];
    }

    /** Whether the value is JSON {@code null} (a pending receipt, a block not mined yet). */
    public boolean isNull() {
        return Arrays.equals(bytes, offset, offset + length, NULL, 0, NULL.length);
    }

    /** Whether the value is a JSON string, quotes included, of at least one character between them. */
    public boolean isQuoted() {
        return length > 2 && bytes[offset] == '"' && bytes[offset + length - 1] == '"';
    }

    /**
     * The same value in an array of its own when the slice is a small part of a large array (a node's answer with
     * other members beside its result): what is kept for long (a cached answer) then holds only its own bytes.
     */
    public RawJson compact() {
        int spare = bytes.length - length;
        return spare > 1024 && spare > length ? new RawJson(Arrays.copyOfRange(bytes, offset, offset + length), 0, length) : this;
    }

    /** Equal when the bytes of the two values are (wherever they sit). */
    @Override
    public boolean equals(Object o) {
        return o instanceof RawJson r && Arrays.equals(bytes, offset, offset + length, r.bytes, r.offset, r.offset + r.length);
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + bytes[i];
        }
        return h;
    }

    /** The JSON text (for logs of tests and assertions' messages: a node's answer holds no secret). */
    @Override
    public String toString() {
        return text();
    }
}
