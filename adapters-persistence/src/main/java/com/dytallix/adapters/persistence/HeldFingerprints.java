package com.dytallix.adapters.persistence;

import com.dytallix.domain.grant.Fingerprint;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fingerprints taken and not written yet, as the text of their columns in one byte array that
 * is reused from one write to the next. Held as objects (a record, its addresses, strings, a
 * queue's node: about 500 bytes each) they lived through several young collections while they
 * waited, were promoted, and a flood of refusals grew the old generation to the heap's maximum;
 * held as bytes, a fingerprint leaves nothing behind its request. Bounded by count and by bytes:
 * one beyond is dropped and counted.
 *
 * <p>A write takes every one held, as a copy of their bytes ({@link #take}): one array that lives as
 * long as the transaction; a write that fails gives them back ({@link Taken#notWritten}).
 */
final class HeldFingerprints {
    private static final int FIRST_BYTES = 64 << 10;
    /** The text columns, in the INSERT's order: ip, client, address, user agent, fingerprint, outcome; the time follows them. */
    static final int TEXT_COLUMNS = 6;
    /** Two ints of seconds, one of nanoseconds. */
    private static final int TIME_BYTES = 12;

    private final int mostHeld;
    private final int mostBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong dropped = new AtomicLong();
    private byte[] data = new byte[FIRST_BYTES];
    private int length;
    private volatile int count;

    HeldFingerprints(int mostHeld, int mostBytes) {
        this.mostHeld = mostHeld;
        this.mostBytes = mostBytes;
    }

    /** @return how many are held with this one, or 0 when it was dropped (the bound reached) */
    int add(Fingerprint f) {
        String ip = f.ip().value();
        String client = f.client().toString();
        String address = f.address().value();
        String hash = f.hash();
        // UTF-8 takes at most three bytes a char
        int most = 3 * (ip.length() + client.length() + address.length() + f.userAgent().length() + hash.length() + f.outcome().length())
                + 4 * TEXT_COLUMNS + TIME_BYTES;
        lock.lock();
        try {
            if (count >= mostHeld || length + most > mostBytes) {
                dropped.incrementAndGet();
                return 0;
            }
            if (length + most > data.length) {
                data = Arrays.copyOf(data, Math.min(mostBytes, Math.max(2 * data.length, length + most)));
            }
            put(ip);
            put(client);
            put(address);
            put(f.userAgent());
            put(hash);
            put(f.outcome());
            long seconds = f.at().getEpochSecond();
            putInt((int) (seconds >>> 32));
            putInt((int) seconds);
            putInt(f.at().getNano());
            return ++count;
        } finally {
            lock.unlock();
        }
    }

    private void put(String text) {
        int n = text.length();
        int at = length + 4;
        int i = 0;
        while (i < n && text.charAt(i) < 0x80) {
            data[at + i] = (byte) text.charAt(i);
            i++;
        }
        int size = n;
        if (i < n) {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(utf8, 0, data, at, utf8.length);
            size = utf8.length;
        }
        putInt(size);
        length += size;
    }

    private void putInt(int v) {
        data[length] = (byte) (v >>> 24);
        data[length + 1] = (byte) (v >>> 16);
        data[length + 2] = (byte) (v >>> 8);
        data[length + 3] = (byte) v;
        length += 4;
    }

    /** Held now, not counting those a write has taken. */
    int count() {
        return count;
    }

    long dropped() {
        return dropped.get();
    }

    /** Every one held, for one write; empty when none is. */
    Optional<Taken> take() {
        lock.lock();
        try {
            if (count == 0) {
                return Optional.empty();
            }
            Taken taken = new Taken(Arrays.copyOf(data, length), count);
            length = 0;
            count = 0;
            return Optional.of(taken);
        } finally {
            lock.unlock();
        }
    }

    /** Fingerprints taken by a write. */
    final class Taken {
        private final byte[] bytes;
        private final int rows;
        private int at;

        private Taken(byte[] bytes, int rows) {
            this.bytes = bytes;
            this.rows = rows;
        }

        int rows() {
            return rows;
        }

        /** Back to the first: the transaction's work may run again. */
        void rewind() {
            at = 0;
        }

        /** Puts the next fingerprint's column texts into {@code texts} and returns its time; there must be one. */
        Instant next(String[] texts) {
            for (int c = 0; c < TEXT_COLUMNS; c++) {
                int size = intAt(at);
                texts[c] = new String(bytes, at + 4, size, StandardCharsets.UTF_8);
                at += 4 + size;
            }
            long seconds = (long) intAt(at) << 32 | intAt(at + 4) & 0xFFFFFFFFL;
            Instant time = Instant.ofEpochSecond(seconds, intAt(at + 8));
            at += TIME_BYTES;
            return time;
        }

        private int intAt(int i) {
            return (bytes[i] & 0xFF) << 24 | (bytes[i + 1] & 0xFF) << 16 | (bytes[i + 2] & 0xFF) << 8 | bytes[i + 3] & 0xFF;
        }

        /** Not written (the transaction failed): held again for the next write, even past the bound (each was counted in once). */
        void notWritten() {
            lock.lock();
            try {
                if (length + bytes.length > data.length) {
                    data = Arrays.copyOf(data, Math.max(2 * data.length, length + bytes.length));
                }
                System.arraycopy(bytes, 0, data, length, bytes.length);
                length += bytes.length;
                count += rows;
            } finally {
                lock.unlock();
            }
        }
    }
}
