package com.dytallix.adapters.http;

import com.dytallix.domain.MemoryBudget;
import com.dytallix.domain.sync.RawJson;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
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
 *   <li>goes out in pieces of its parts' own bytes (the envelope's ends, the node's result as it came or as the
 *       cache holds it: never a copy of the whole answer), and a piece the client does not take within
 *       HTTP_READ_TIMEOUT_MS cuts the connection: the writing thread is interrupted, which closes its socket;</li>
 *   <li>must be taken whole within HTTP_READ_TIMEOUT_MS plus its size at {@link #MIN_RATE} (an 8 MB
 *       answer: 10 s + 122 s), or the connection is cut the same way. A client taking one piece just
 *       inside the read timeout each time held an 8 MB answer, and its share of the eighth, for
 *       about 21 minutes, and two such clients kept every other large answer out.</li>
 * </ul>
 */
final class AnswerWriter {
    private static final System.Logger LOG = System.getLogger(AnswerWriter.class.getName());
    /** Answers up to this many bytes go out in one write: the kernel's socket buffers take them whole. */
    static final int SMALL = 16 * 1024;
    private static final int PIECE = 64 * 1024;
    /**
     * The slowest a client may take a large answer, in bytes per second, on average over the whole
     * answer (beyond HTTP_READ_TIMEOUT_MS): 512 kbit/s, a poor mobile link. Not a setting: an
     * answer of megabytes at less than that takes minutes, and the memory it holds is denied to others.
     */
    static final long MIN_RATE = 64 * 1024;
    /** Bytes of large answers being written, all clients together. */
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
    boolean take(AnswerBody answer) {
        return answer.length() <= SMALL || WRITING.take(answer.length());
    }

    /** Writes an answer {@link #take} accepted, and gives back what it took, however the write ends. */
    void write(ServerResponse res, Status status, AnswerBody answer) {
        if (answer.length() <= SMALL) {
            Responses.jsonBytes(res, status, answer.bytes());
            return;
        }
        try {
            Responses.jsonHead(res, status);
            writeInPieces(res, answer);
        } finally {
            WRITING.give(answer.length());
        }
    }

    /** Each part in pieces of at most {@link #PIECE} bytes, written from the part's own array (no copy of the answer). */
    private void writeInPieces(ServerResponse res, AnswerBody answer) {
        long bytes = answer.length();
        res.header(HeaderNames.CONTENT_LENGTH, Long.toString(bytes));
        long allowed = allowedNanos(bytes);
        long deadline = System.nanoTime() + allowed;
        Watch watch = new Watch(Thread.currentThread(), "an answer of " + bytes + " bytes not taken within "
                + TimeUnit.NANOSECONDS.toMillis(allowed) + " ms (HTTP_READ_TIMEOUT_MS, then " + minRate / 1024 + " KiB/s)");
        try {
            OutputStream out = res.outputStream();
            for (RawJson part : answer.parts()) {
                for (int from = 0; from < part.length(); from += PIECE) {
                    watch.arm(stallNanos, deadline);
                    out.write(part.bytes(), part.offset() + from, Math.min(PIECE, part.length() - from));
                    watch.disarm();
                }
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
