package com.dytallix.adapters.http;

import com.dytallix.domain.MemoryBudget;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Writes the relay's HTTP answers, which the node decides the size of (up to RPC_MAX_RESPONSE_BYTES).
 * A socket write blocks until the client takes the bytes, and nothing else bounds it: a client that
 * asked for a large answer and stopped reading held the answer's memory for as long as it kept the
 * connection open, and a handful of them filled the heap and ended the process. So an answer larger
 * than the socket buffers take at once
 * <ul>
 *   <li>is written only when it fits in an eighth of the heap together with the other large answers
 *       being written ({@link #WRITING}); past it the caller answers "busy, retry shortly";</li>
 *   <li>goes out in pieces encoded one at a time (never a second whole copy as bytes), and a piece the
 *       client does not take within HTTP_READ_TIMEOUT_MS cuts the connection: the writing thread is
 *       interrupted, which closes its socket.</li>
 * </ul>
 */
final class AnswerWriter {
    /** Answers up to this many characters go out in one write: the kernel's socket buffers take them whole. */
    static final int SMALL = 16 * 1024;
    private static final int PIECE = 64 * 1024;
    /** Characters of large answers being written, all clients together. */
    static final MemoryBudget WRITING = MemoryBudget.partOfProcess(Runtime.getRuntime().maxMemory() / 8);
    private static final ScheduledThreadPoolExecutor WATCH = new ScheduledThreadPoolExecutor(1,
            r -> Thread.ofPlatform().daemon().name("answer-write-watch").unstarted(r));

    static {
        WATCH.setRemoveOnCancelPolicy(true); // a timer per piece: cancelled ones must not wait out their delay in the queue
    }

    private final long stallNanos;

    /** @param stall how long a client may leave a piece of an answer untaken (HTTP_READ_TIMEOUT_MS) */
    AnswerWriter(Duration stall) {
        this.stallNanos = stall.toNanos();
    }

    /**
     * Takes what a large answer needs from {@link #WRITING}; true for a small one.
     *
     * @return false when it does not fit now: answer busy instead, nothing was taken
     */
    boolean take(String json) {
        return json.length() <= SMALL || WRITING.take(json.length());
    }

    /** Writes an answer {@link #take} accepted, and gives back what it took, however the write ends. */
    void write(ServerResponse res, Status status, String json) {
        if (json.length() <= SMALL) {
            Responses.jsonBytes(res, status, json.getBytes(StandardCharsets.UTF_8));
            return;
        }
        try {
            Responses.jsonHead(res, status);
            writeInPieces(res, json);
        } finally {
            WRITING.give(json.length());
        }
    }

    private void writeInPieces(ServerResponse res, String json) {
        res.header(HeaderNames.CONTENT_LENGTH, Long.toString(utf8Length(json)));
        Watch watch = new Watch(Thread.currentThread());
        try {
            OutputStream out = res.outputStream();
            for (int from = 0; from < json.length(); ) {
                int to = Math.min(json.length(), from + PIECE);
                if (to < json.length() && Character.isHighSurrogate(json.charAt(to - 1))) {
                    to--; // a pair encoded in one piece, as getBytes would encode the whole
                }
                byte[] piece = json.substring(from, to).getBytes(StandardCharsets.UTF_8);
                watch.arm(stallNanos);
                out.write(piece);
                watch.disarm();
                from = to;
            }
            watch.arm(stallNanos);
            out.close();
            watch.disarm();
        } catch (IOException e) {
            watch.disarm();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            watch.disarm();
            throw e;
        }
    }

    /** Bytes of the string in UTF-8 as {@link String#getBytes} writes them (a lone surrogate as one '?'). */
    static long utf8Length(String s) {
        long bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /**
     * Interrupts the writing thread when a piece takes longer than allowed: a virtual thread
     * blocked on a socket is released by closing that socket. The interrupt is only ever sent while
     * armed, under this object's lock, so it cannot land on the thread's later work.
     */
    private static final class Watch {
        private final Thread writer;
        private ScheduledFuture<?> timer;
        private boolean armed;
        private boolean cut;

        Watch(Thread writer) {
            this.writer = writer;
        }

        synchronized void arm(long nanos) {
            armed = true;
            timer = WATCH.schedule(this::cut, nanos, TimeUnit.NANOSECONDS);
        }

        /** Stops the timer; when it fired, clears the interrupt and ends the connection. */
        synchronized void disarm() {
            if (!armed) {
                return;
            }
            armed = false;
            timer.cancel(false);
            if (cut) {
                Thread.interrupted();
                // Helidon closes the connection without trying an error answer on a half-written one
                throw new CloseConnectionException("the client left a piece of the relay's answer unread for HTTP_READ_TIMEOUT_MS");
            }
        }

        private synchronized void cut() {
            if (armed) {
                cut = true;
                writer.interrupt();
            }
        }
    }
}
