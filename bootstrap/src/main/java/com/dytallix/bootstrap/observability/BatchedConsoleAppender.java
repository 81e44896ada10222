package com.dytallix.bootstrap.observability;

import ch.qos.logback.core.OutputStreamAppender;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;

/**
 * Standard output written in batches, for the access log (one line per request): whole lines
 * gather in a buffer that goes out in one {@code write(2)} when it is full and at least every
 * {@code flushMillis} (100 ms), and at stop and JVM exit. Under load one write carries many lines
 * instead of one write per request; when idle a line shows within the flush period. Lines are
 * never split, so they do not interleave with the other appenders' lines on the same stream. A
 * process killed with SIGKILL loses at most the last flush period of access lines.
 */
public final class BatchedConsoleAppender<E> extends OutputStreamAppender<E> {
    private static final int BUFFER_BYTES = 64 * 1024;

    private long flushMillis = 100;
    private Lines lines;
    private Thread flusher;
    private Thread atExit;

    /** How long a line may wait in the buffer (in an operator's logback XML: {@code <flushMillis>}). */
    public void setFlushMillis(long flushMillis) {
        this.flushMillis = flushMillis;
    }

    @Override
    public void start() {
        if (flushMillis < 1) {
            addError("flushMillis must be at least 1");
            return;
        }
        lines = new Lines(new SystemOut(), BUFFER_BYTES);
        setOutputStream(lines);
        setImmediateFlush(false);
        super.start();
        Lines mine = lines;
        flusher = Thread.ofPlatform().daemon().name("log-flush").start(() -> {
            try {
                while (isStarted()) {
                    Thread.sleep(Duration.ofMillis(flushMillis));
                    mine.flushQuietly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // System.exit (SIGTERM's graceful stop ends with it) runs the hooks after the last line was logged
        atExit = new Thread(mine::flushQuietly, "log-flush-at-exit");
        Runtime.getRuntime().addShutdownHook(atExit);
    }

    /**
     * Appends one whole line, encoded already, as {@link #doAppend} would after encoding an event
     * ({@link AccessLog} writes the access lines so, without an event); false when stopped.
     */
    boolean writeLine(byte[] line) {
        Lines current = lines;
        if (!isStarted() || current == null) {
            return false;
        }
        try {
            current.write(line, 0, line.length);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes what is buffered now. */
    void flush() {
        Lines current = lines;
        if (current != null) {
            current.flushQuietly();
        }
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop(); // closes the stream: what is buffered is written; standard output itself stays open
        flusher.interrupt();
        try {
            Runtime.getRuntime().removeShutdownHook(atExit);
        } catch (IllegalStateException exiting) {
            // already running the hooks: ours flushes once more, harmlessly
        }
    }

    /** Standard output as it is when written to (as logback's ConsoleAppender finds it): a test harness may replace it. */
    private static final class SystemOut extends OutputStream {
        @Override
        public void write(int b) {
            System.out.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            System.out.write(bytes, offset, length);
        }

        @Override
        public void flush() {
            System.out.flush();
        }
    }

    /** Whole lines into one buffer; {@link #close()} flushes and leaves standard output open. */
    static final class Lines extends OutputStream {
        private final OutputStream out;
        private final byte[] buffer;
        private int count;

        Lines(OutputStream out, int size) {
            this.out = out;
            this.buffer = new byte[size];
        }

        /** One encoded event: kept whole, after what is buffered goes out if it would not fit. */
        @Override
        public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
            if (length > buffer.length - count) {
                drain();
            }
            if (length >= buffer.length) {
                out.write(bytes, offset, length);
                return;
            }
            System.arraycopy(bytes, offset, buffer, count, length);
            count += length;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void flush() throws IOException {
            drain();
            out.flush();
        }

        synchronized void flushQuietly() {
            try {
                flush();
            } catch (IOException e) {
                count = 0; // standard output is gone (a closed pipe): nothing can be written
            }
        }

        private void drain() throws IOException {
            if (count > 0) {
                int n = count;
                count = 0;
                out.write(buffer, 0, n);
            }
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
