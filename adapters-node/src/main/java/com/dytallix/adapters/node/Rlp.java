package com.dytallix.adapters.node;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** Recursive Length Prefix, the byte encoding of Ethereum transactions. Decoding accepts canonical input only. */
final class Rlp {
    private Rlp() {
    }

    sealed interface Item {
    }

    record Bytes(byte[] value) implements Item {
        /** Reads an unsigned integer; canonical RLP has no leading zero bytes. */
        BigInteger asInteger() {
            if (value.length > 0 && value[0] == 0) {
                throw new RlpException("integer with leading zero bytes");
            }
            return new BigInteger(1, value);
        }
    }

    record Sequence(List<Item> items) implements Item {
    }

    static final class RlpException extends IllegalArgumentException {
        RlpException(String message) {
            super(message);
        }
    }

    static Bytes bytes(byte[] value) {
        return new Bytes(value);
    }

    /** Minimal big-endian bytes; zero is the empty string. */
    static Bytes integer(BigInteger value) {
        if (value.signum() < 0) {
            throw new IllegalArgumentException("RLP integers are unsigned");
        }
        byte[] raw = value.toByteArray();
        int skip = 0;
        while (skip < raw.length && raw[skip] == 0) {
            skip++;
        }
        return new Bytes(java.util.Arrays.copyOfRange(raw, skip, raw.length));
    }

    static Bytes integer(long value) {
        return integer(BigInteger.valueOf(value));
    }

    static Sequence list(Item... items) {
        return new Sequence(List.of(items));
    }

    static byte[] encode(Item item) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(item, out);
        return out.toByteArray();
    }

    private static void write(Item item, ByteArrayOutputStream out) {
        switch (item) {
            case Bytes b -> {
                byte[] v = b.value();
                if (v.length == 1 && (v[0] & 0xff) < 0x80) {
                    out.write(v[0]);
                } else {
                    writeLength(v.length, 0x80, out);
                    out.writeBytes(v);
                }
            }
            case Sequence s -> {
                ByteArrayOutputStream payload = new ByteArrayOutputStream();
                s.items().forEach(i -> write(i, payload));
                writeLength(payload.size(), 0xc0, out);
                out.writeBytes(payload.toByteArray());
            }
        }
    }

    private static void writeLength(int length, int offset, ByteArrayOutputStream out) {
        if (length <= 55) {
            out.write(offset + length);
            return;
        }
        byte[] len = integer(length).value();
        out.write(offset + 55 + len.length);
        out.writeBytes(len);
    }

    /** Decodes exactly one item spanning the whole input. */
    static Item decode(byte[] input) {
        int[] end = new int[1];
        Item item = read(input, 0, input.length, end);
        if (end[0] != input.length) {
            throw new RlpException("trailing bytes after the RLP item");
        }
        return item;
    }

    private static Item read(byte[] in, int pos, int limit, int[] end) {
        if (pos >= limit) {
            throw new RlpException("unexpected end of input");
        }
        int prefix = in[pos] & 0xff;
        if (prefix < 0x80) {
            end[0] = pos + 1;
            return new Bytes(new byte[] {in[pos]});
        }
        boolean isList = prefix >= 0xc0;
        int base = isList ? 0xc0 : 0x80;
        int start;
        int length;
        if (prefix - base <= 55) {
            length = prefix - base;
            start = pos + 1;
        } else {
            int lenOfLen = prefix - base - 55;
            if (lenOfLen > 4 || pos + 1 + lenOfLen > limit) {
                throw new RlpException("bad length prefix");
            }
            if (in[pos + 1] == 0) {
                throw new RlpException("non-canonical length");
            }
            long l = 0;
            for (int i = 0; i < lenOfLen; i++) {
                l = (l << 8) | (in[pos + 1 + i] & 0xff);
            }
            if (l <= 55 || l > Integer.MAX_VALUE) {
                throw new RlpException("non-canonical length");
            }
            length = (int) l;
            start = pos + 1 + lenOfLen;
        }
        if ((long) start + length > limit) {
            throw new RlpException("item longer than its input");
        }
        end[0] = start + length;
        if (!isList) {
            if (length == 1 && (in[start] & 0xff) < 0x80) {
                throw new RlpException("non-canonical single byte");
            }
            return new Bytes(java.util.Arrays.copyOfRange(in, start, start + length));
        }
        List<Item> items = new ArrayList<>();
        int cursor = start;
        int[] itemEnd = new int[1];
        while (cursor < start + length) {
            items.add(read(in, cursor, start + length, itemEnd));
            cursor = itemEnd[0];
        }
        return new Sequence(List.copyOf(items));
    }
}
