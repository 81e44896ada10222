package com.dytallix.adapters.http;

import com.dytallix.domain.MemoryBudget;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
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
 *   <li>goes out in pieces encoded one at a time (never a second whole copy as bytes; an answer all in
 *       ASCII, as node answers almost always are, through one piece-sized buffer reused for every piece),
 *       and a piece the client does not take within HTTP_READ_TIMEOUT_MS cuts the connection: the
 *       writing thread is interrupted, which closes its socket;</li>
 *   <li>must be taken whole within HTTP_READ_TIMEOUT_MS plus its size at {@link #MIN_RATE} (an 8 MB
 *       answer: 10 s + 122 s), or the connection is cut the same way. A client taking one piece just
 *       inside the read timeout each time held an 8 MB answer, and its share of the eighth, for
 *       about 21 minutes, and two such clients kept every other large answer out.</li>
 * </ul>
 */
final class AnswerWriter {
    private static final System.Logger LOG = System.getLogger(AnswerWriter.class.getName());
    /** Answers up to this many characters go out in one write: the kernel's socket buffers take them whole. */
    static final int SMALL = 16 * 1024;
    private static final int PIECE = 64 * 1024;
    /**
     * The slowest a client may take a large answer, in bytes per second, on average over the whole
     * answer (beyond HTTP_READ_TIMEOUT_MS): 512 kbit/s, a poor mobile link. Not a setting: an
     * answer of megabytes at less than that takes minutes, and the memory it holds is denied to others.
     */
    static final long MIN_RATE = 64 * 1024;
    /** Characters of large answers being written, all clients together. */
    static final MemoryBudget WRITING = MemoryBudget.partOfProcess(Runtime.getRuntime().maxMemory() / 8);
    private static final ScheduledThreadPoolExecutor WATCH = new ScheduledThreadPoolExecutor(1,
            r -> Thread.ofPlatform().daemon().name("answer-write-watch").unstarted(r));

    static {
        WATCH.setRemoveOnCancelPolicy(true); // a timer per piece: cancelled ones must not wait out their delay in the queue
    }

    private final long stallNanos;
    private final long minRate;

    /** @param stall how long a client may leave a piece of an answer untaken (HTTP_READ_TIMEOUT_MS) */
    AnswerWriter(Duration stall) {
        this(stall, MIN_RATE);
    }

    /** @param minRate the slowest a client may take a whole answer, bytes per second, beyond {@code stall} */
    AnswerWriter(Duration stall, long minRate) {
        this.stallNanos = stall.toNanos();
        this.minRate = minRate;
    }

    /** How long a client may take an answer of {@code bytes} in all: the read timeout, and the bytes at the minimum rate. */
    long allowedNanos(long bytes) {
        return stallNanos + bytes * 1_000_000_000L / minRate;
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
        Utf8 utf8 = Utf8.of(json);
        long bytes = utf8.bytes();
        res.header(HeaderNames.CONTENT_LENGTH, Long.toString(bytes));
        long allowed = allowedNanos(bytes);
        long deadline = System.nanoTime() + allowed;
        Watch watch = new Watch(Thread.currentThread(), "an answer of " + bytes + " bytes not taken within "
                + TimeUnit.NANOSECONDS.toMillis(allowed) + " ms (HTTP_READ_TIMEOUT_MS, then " + minRate / 1024 + " KiB/s)");
        try {
            OutputStream out = res.outputStream();
            // an ASCII answer's characters are its bytes: each piece copied into the one buffer (a substring
            // and its bytes per piece were two piece-sized arrays each, about twice the answer in garbage)
            byte[] buffer = utf8.ascii() ? new byte[Math.min(PIECE, json.length())] : null;
            for (int from = 0; from < json.length(); ) {
                int to = Math.min(json.length(), from + PIECE);
                if (to < json.length() && Character.isHighSurrogate(json.charAt(to - 1))) {
                    to--; // a pair encoded in one piece, as getBytes would encode the whole
                }
                watch.arm(stallNanos, deadline);
                if (buffer != null) {
                    copyAscii(json, from, to, buffer);
                    out.write(buffer, 0, to - from);
                } else {
                    out.write(json.substring(from, to).getBytes(StandardCharsets.UTF_8));
                }
                watch.disarm();
                from = to;
            }
            watch.arm(stallNanos, deadline);
            out.close();
            watch.disarm();
        } catch (IOException e) {
            watch.disarm();
            // half an answer is out: only closing the connection is left (anything else thrown here reaches
            // Helidon's error handling, which logs a warning with a stack trace for an answer it cannot reset)
            throw new ServerConnectionException("writing the relay's answer failed", e);
        } catch (RuntimeException e) {
            watch.disarm();
            throw e;
        }
    }

    /** Characters {@code from} to {@code to} of an all-ASCII string, each one byte, at the start of {@code into}. */
    @SuppressWarnings("deprecation") // the one copy of a range of chars into a byte array; exact for ASCII (each char's low byte)
    static void copyAscii(String ascii, int from, int to, byte[] into) {
        ascii.getBytes(from, to, into, 0);
    }

    /**
     * A string's length in UTF-8 as {@link String#getBytes} writes it (a lone surrogate as one '?'), and whether every
     * character is ASCII.
     */
    record Utf8(long bytes, boolean ascii) {
        static Utf8 of(String s) {
            long bytes = 0;
            boolean ascii = true;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    bytes++;
                    continue;
                }
                ascii = false;
                if (c < 0x800) {
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
            return new Utf8(bytes, ascii);
        }
    }

    /**
     * Interrupts the writing thread when a piece takes longer than allowed, or the answer passes its
     * deadline: a virtual thread blocked on a socket is released by closing that socket. The
     * interrupt is only ever sent while armed, under this object's lock, so it cannot land on the
     * thread's later work.
     */
    private static final class Watch {
        private final Thread writer;
        /** Why the connection is cut when the answer's deadline passes. */
        private final String overdue;
        private ScheduledFuture<?> timer;
        private boolean armed;
        private boolean cut;
        /** The timer armed runs to the answer's deadline, not to the piece's stall time. */
        private boolean wholeAnswer;

        Watch(Thread writer, String overdue) {
            this.writer = writer;
            this.overdue = overdue;
        }

        /** Arms the timer for the next write: {@code stallNanos} from now, or the answer's deadline if sooner. */
        synchronized void arm(long stallNanos, long deadline) {
            long left = deadline - System.nanoTime();
            wholeAnswer = left < stallNanos;
            armed = true;
            timer = WATCH.schedule(this::cut, Math.max(0, Math.min(stallNanos, left)), TimeUnit.NANOSECONDS);
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
                String why = wholeAnswer ? overdue : "a piece of an answer left unread for HTTP_READ_TIMEOUT_MS";
                LOG.log(System.Logger.Level.INFO, "closed a connection from {0}: {1}",
                        RequestInfo.find().map(i -> i.clientIp().value()).orElse("?"), why);
                // Helidon closes the connection without trying an error answer on a half-written one
                throw new CloseConnectionException("the client was too slow to take the relay's answer: " + why);
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
