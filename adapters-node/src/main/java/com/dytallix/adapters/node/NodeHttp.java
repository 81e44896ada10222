package com.dytallix.adapters.node;

import com.dytallix.domain.MemoryBudget;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * HTTP/1.1 POSTs to one node over pooled keep-alive sockets, driven on the caller's (virtual)
 * thread: the head and body go out in one write, the answer is read by its Content-Length (or
 * chunked, or to the end of the connection), never more than {@code maxResponseBytes}, and no
 * exchange outlives the call's deadline ({@link NodeDeadlines} closes its socket then). A connection
 * goes back to the pool only after a complete answer that did not ask to close it; any error, a
 * refused answer or a timeout drops it.
 *
 * <p>Not Helidon's webclient: for the relay's small calls its per-request machinery (headers
 * validated and copied, a {@code CompletableFuture} completed per read of the answer) cost about as
 * much CPU as the rest of a relayed call (docs/architecture.md, docs/performance.md).
 */
final class NodeHttp implements AutoCloseable {
    /** The most the status line and headers of an answer may take. */
    static final int MAX_HEAD_BYTES = 16 * 1024;
    private static final int READ_BUFFER = 8 * 1024;
    private static final byte[] HTTP_1 = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION = "connection".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_TYPE = "content-type".getBytes(StandardCharsets.US_ASCII);
    /**
     * How long an unused connection is kept: well under the idle timeouts of the load balancers and
     * proxies in front of nodes (some drop an idle flow without telling either side, and a request
     * sent on it would wait for the deadline instead of failing at once).
     */
    static final Duration KEEP_IDLE = Duration.ofSeconds(30);

    /**
     * Bodies of answers being read, all nodes and calls together: an eighth of the heap. Each
     * answer may be up to RPC_MAX_RESPONSE_BYTES, and MAX_CONCURRENCY calls may be reading at once:
     * without this bound twenty large answers together (an eth_call returning megabytes) filled the
     * heap and the process exited. A body larger than the read buffer takes its size from here
     * before it is read, and gives it back when the caller is done with it ({@link #release}).
     */
    static final MemoryBudget BODIES = MemoryBudget.partOfProcess(Runtime.getRuntime().maxMemory() / 8);

    /**
     * The node's answer, read whole within the size limit.
     *
     * @param held bytes taken from {@link #BODIES} for the body: give them back with {@link #release}
     */
    record Reply(int status, byte[] body, Optional<String> contentType, long held) {
    }

    /** Gives back what the reply's body took from {@link #BODIES}: once, when its bytes are no longer needed. */
    static void release(Reply reply) {
        BODIES.give(reply.held());
    }

    /** The body would take {@link #BODIES} over its limit: not read; the connection it came on is dropped. */
    static final class BusyException extends IOException {
        BusyException() {
            super("the answers being read take all the memory set aside for them", null);
        }
    }

    /** The answer is larger than allowed; the connection it came on is dropped. */
    static final class TooLargeException extends IOException {
        TooLargeException() {
            super("answer over the size limit", null);
        }
    }

    /**
     * The call was ended by {@link #endCallsBy}: a timeout, so a send cut so counts as not answered (the node may or
     * may not have it), never as refused.
     */
    static final class EndedException extends SocketTimeoutException {
        EndedException() {
            super("ended by the stop");
        }
    }

    /** The answer is not HTTP/1.x as this client reads it. */
    static final class MalformedAnswerException extends IOException {
        MalformedAnswerException(String message) {
            super(message);
        }
    }

    private final String host;
    private final int port;
    private final SSLSocketFactory tls;
    private final byte[] head;
    private final int maxIdle;
    private final int maxResponseBytes;
    private final long keepIdleNanos;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private volatile boolean closed;
    /** System.nanoTime by which every call ends, however long its own deadline ({@link #endCallsBy}). */
    private volatile long endBy = Long.MAX_VALUE;

    /**
     * @param url              the node's http or https URL; user info, if any, becomes Basic authentication
     * @param tls              for https URLs: the factory of TLS sockets (the JVM's trust store in production)
     * @param maxIdle          connections kept open between calls
     * @param maxResponseBytes the longest answer body read
     */
    NodeHttp(URI url, SSLSocketFactory tls, int maxIdle, int maxResponseBytes) {
        this(url, tls, maxIdle, maxResponseBytes, KEEP_IDLE);
    }

    /** @param keepIdle how long a connection may sit unused in the pool before it is closed */
    NodeHttp(URI url, SSLSocketFactory tls, int maxIdle, int maxResponseBytes, Duration keepIdle) {
        this.keepIdleNanos = keepIdle.toNanos();
        boolean https = "https".equals(url.getScheme());
        this.host = url.getHost();
        this.port = url.getPort() >= 0 ? url.getPort() : https ? 443 : 80;
        this.tls = https ? tls : null;
        this.maxIdle = maxIdle;
        this.maxResponseBytes = maxResponseBytes;
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        String target = url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
        String hostHeader = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        boolean defaultPort = url.getPort() < 0 || url.getPort() == (https ? 443 : 80);
        StringBuilder h = new StringBuilder("POST ").append(target).append(" HTTP/1.1\r\nHost: ").append(hostHeader)
                .append(defaultPort ? "" : ":" + port)
                .append("\r\nContent-Type: application/json\r\nAccept: application/json\r\n");
        if (url.getRawUserInfo() != null) {
            // http://user:password@host/ means Basic authentication; the credentials never leave this array
            h.append("Authorization: Basic ").append(Base64.getEncoder().encodeToString(
                    decode(url.getRawUserInfo()).getBytes(StandardCharsets.UTF_8))).append("\r\n");
        }
        h.append("Content-Length: ");
        this.head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String decode(String rawUserInfo) {
        return java.net.URLDecoder.decode(rawUserInfo.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /**
     * One POST of {@code body}. A connection from the pool that turns out closed by the node before
     * any byte of the answer is replaced by a new one once (a keep-alive connection the node timed
     * out meanwhile); every other failure is the caller's.
     *
     * @param deadline System.nanoTime by which the answer must be read
     * @throws SocketTimeoutException when the deadline passes
     * @throws TooLargeException      when the answer is over the size limit
     * @throws IOException            when the node cannot be reached or answers something that is not HTTP
     */
    Reply post(byte[] body, long deadline) throws IOException {
        deadline = Math.min(deadline, endBy);
        byte[] request = request(body);
        Connection pooled = takeIdle();
        if (pooled != null) {
            try {
                return exchange(pooled, request, deadline);
            } catch (StaleConnectionException e) {
                // the node closed it while it was idle: the request was not read, send it on a new one
            }
        }
        try {
            return exchange(connect(deadline), request, deadline);
        } catch (StaleConnectionException e) {
            throw new java.net.SocketException("the node closed the connection without an answer");
        }
    }

    private byte[] request(byte[] body) {
        byte[] length = Integer.toString(body.length).getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = new byte[head.length + length.length + 4 + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(length, 0, request, head.length, length.length);
        int at = head.length + length.length;
        request[at] = '\r';
        request[at + 1] = '\n';
        request[at + 2] = '\r';
        request[at + 3] = '\n';
        System.arraycopy(body, 0, request, at + 4, body.length);
        return request;
    }

    private Reply exchange(Connection c, byte[] request, long deadline) throws IOException {
        boolean reusable = false;
        remainingMillis(deadline); // a deadline already passed sends nothing
        c.received = 0;
        NodeDeadlines.SHARED.watch(c, deadline);
        long end = endBy;
        if (end != Long.MAX_VALUE) {
            NodeDeadlines.SHARED.bringForward(c, end); // set meanwhile: endCallsBy may have looked before the watch
        }
        try {
            try {
                c.out.write(request);
            } catch (java.net.SocketException e) {
                throw c.failed(e);
            }
            Reply reply = c.readReply();
            reusable = c.keepAlive;
            return reply;
        } catch (IOException e) {
            if (c.expired() && !(e instanceof SocketTimeoutException)) {
                // its socket was closed under it (an end of stream, a TLS error): the deadline's doing, not the node's
                throw timedOut(e);
            }
            throw e;
        } finally {
            // a connection whose deadline closed it meanwhile, even just after its answer, is not reused
            reusable &= NodeDeadlines.SHARED.unwatch(c);
            if (reusable && !closed) {
                giveBack(c);
            } else {
                c.close();
            }
        }
    }

    /** The most recently used connection that has not been idle too long; the longest-idle one is closed if it has. */
    private Connection takeIdle() {
        long now = System.nanoTime();
        Connection oldest = idle.peekLast();
        if (oldest != null && now - oldest.idleSince > keepIdleNanos && idle.removeLastOccurrence(oldest)) {
            idleCount.decrementAndGet();
            oldest.close();
        }
        Connection c;
        while ((c = idle.pollFirst()) != null) {
            idleCount.decrementAndGet();
            if (now - c.idleSince <= keepIdleNanos) {
                return c;
            }
            c.close();
        }
        return null;
    }

    private void giveBack(Connection c) {
        c.idleSince = System.nanoTime();
        if (idleCount.incrementAndGet() <= maxIdle) {
            idle.offerFirst(c);
        } else {
            idleCount.decrementAndGet();
            c.close();
        }
    }

    private Connection connect(long deadline) throws IOException {
        int wait = remainingMillis(deadline);
        Socket tcp = new Socket();
        Socket socket = tcp;
        try {
            tcp.setTcpNoDelay(true);
            tcp.connect(new InetSocketAddress(host, port), wait);
            if (tls != null) {
                SSLSocket secure = (SSLSocket) tls.createSocket(tcp, host, port, true);
                SSLParameters parameters = secure.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
                secure.setSSLParameters(parameters);
                secure.setSoTimeout(remainingMillis(deadline));
                secure.startHandshake();
                secure.setSoTimeout(0); // from here on the call's deadline is kept by NodeDeadlines
                socket = secure;
            }
            return new Connection(socket, tcp);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private int remainingMillis(long deadline) throws SocketTimeoutException {
        long nanos = deadline - System.nanoTime();
        if (nanos <= 0) {
            throw timedOut(null);
        }
        return (int) Math.clamp((nanos + 999_999) / 1_000_000, 1, Integer.MAX_VALUE);
    }

    /** A passed deadline: the one {@link #endCallsBy} set once that has passed, else the call's own. */
    private SocketTimeoutException timedOut(Exception cause) {
        SocketTimeoutException timeout = System.nanoTime() - endBy >= 0 ? new EndedException()
                : new SocketTimeoutException("deadline passed");
        if (cause != null) {
            timeout.initCause(cause);
        }
        return timeout;
    }

    /**
     * Every call, those in flight and those to come, ends by {@code deadline} (System.nanoTime) at the latest, as at its
     * own deadline: its socket is closed, and it fails as timed out ({@link EndedException}), never as refused, since the
     * node may have taken a send it did not answer. For a stop: a node that holds a call (a send it takes minutes over,
     * a read it never answers) would otherwise keep the process up to NODE_TIMEOUT_MS.
     */
    synchronized void endCallsBy(long deadline) {
        endBy = Math.min(endBy, deadline);
        NodeDeadlines.SHARED.bringForward(w -> w instanceof Connection c && c.owner() == this, endBy);
    }

    /** Closes the idle connections and ends the calls in flight ({@link #endCallsBy} now). */
    @Override
    public void close() {
        closed = true;
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            idleCount.decrementAndGet();
            c.close();
        }
        endCallsBy(System.nanoTime());
    }

    /** A pooled connection closed by the node before it answered: the request may be sent again. */
    private static final class StaleConnectionException extends IOException {
        StaleConnectionException() {
            super("connection closed by the node", null);
        }
    }

    /** One socket and its read buffer; used by one call at a time. */
    private final class Connection extends NodeDeadlines.Watched {
        private final Socket socket;
        private final Socket tcp;
        private final InputStream in;
        private final OutputStream out;
        private final byte[] buffer = new byte[READ_BUFFER];
        private int start;
        private int end;
        /** Where the line after the one {@link #lineLength} buffered starts. */
        private int next;
        private boolean keepAlive;
        /** When it went back to the pool, System.nanoTime. */
        private volatile long idleSince;
        /** Bytes of the current answer read so far: none when the node closes means the connection was stale, not broken. */
        private long received;
        /** Bytes the current answer's body has taken from {@link #BODIES}. */
        private long holding;

        /** @param tcp the TCP socket under {@code socket} (the same one without TLS) */
        Connection(Socket socket, Socket tcp) throws IOException {
            this.socket = socket;
            this.tcp = tcp;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }


        /** A failure before any byte of the answer, not caused by an interrupt: the node had closed the connection. */
        IOException stale(IOException e) {
            return received == 0 && !Thread.currentThread().isInterrupted() ? new StaleConnectionException() : e;
        }

        /** What a socket error means: the deadline passed (we closed it), or else as {@link #stale}. */
        IOException failed(java.net.SocketException e) {
            return expired() ? timedOut(e) : stale(e);
        }

        NodeHttp owner() {
            return NodeHttp.this;
        }

        @Override
        void expire() {
            // the TCP socket, not a TLS one: closing that could wait for the read it must end (TLS's own locks)
            try {
                tcp.close(); // the read or write blocked on it ends with a SocketException
            } catch (IOException ignored) {
                // closing: nothing left to do with it
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing: nothing left to do with it
            }
        }

        Reply readReply() throws IOException {
            if (start == end) {
                start = 0;
                end = 0;
            }
            int status;
            Head h;
            do {
                int length = lineLength();
                int at = start;
                start = next;
                if (length < 12 || !startsWith(at, HTTP_1) || buffer[at + 8] != ' ') {
                    throw new MalformedAnswerException("not an HTTP/1.x status line");
                }
                status = parseStatus(at);
                h = headers(buffer[at + 7] == '0');
            } while (status / 100 == 1); // 100 Continue and the like come before the answer
            keepAlive = h.keepAlive;
            byte[] body;
            holding = 0;
            try {
                if (status == 204 || status == 304) {
                    body = new byte[0]; // never a body, whatever the headers say
                } else if (h.chunked) {
                    body = chunked();
                } else if (h.contentLength >= 0) {
                    if (h.contentLength > maxResponseBytes) {
                        throw new TooLargeException();
                    }
                    body = exactly((int) h.contentLength);
                } else {
                    keepAlive = false; // the end of the connection is the end of the answer
                    body = toEnd();
                }
            } catch (IOException | RuntimeException e) {
                BODIES.give(holding);
                holding = 0;
                throw e;
            }
            return new Reply(status, body, Optional.ofNullable(h.contentType), holding);
        }

        /** Takes what a body of {@code capacity} bytes needs beyond what it holds already; small bodies take nothing. */
        private void hold(long capacity) throws BusyException {
            if (capacity <= READ_BUFFER || capacity <= holding) {
                return;
            }
            if (!BODIES.take(capacity - holding)) {
                keepAlive = false; // the rest of the answer stays unread
                throw new BusyException();
            }
            holding = capacity;
        }

        private int parseStatus(int at) throws MalformedAnswerException {
            int status = 0;
            for (int i = at + 9; i < at + 12; i++) {
                byte ch = buffer[i];
                if (ch < '0' || ch > '9') {
                    throw new MalformedAnswerException("not an HTTP status code");
                }
                status = status * 10 + (ch - '0');
            }
            return status;
        }

        private record Head(long contentLength, boolean chunked, boolean keepAlive, String contentType) {
        }

        /**
         * The header lines, read in the buffer: only the four this client needs are looked at, and
         * only their values become strings (Content-Length not even that).
         */
        private Head headers(boolean http10) throws IOException {
            long contentLength = -1;
            boolean chunked = false;
            boolean keepAlive = !http10;
            String contentType = null;
            int taken = 0;
            while (true) {
                int length = lineLength();
                int at = start;
                start = next;
                if (length == 0) {
                    return new Head(contentLength, chunked, keepAlive, contentType);
                }
                taken += length + 2;
                if (taken > MAX_HEAD_BYTES) {
                    throw new MalformedAnswerException("answer headers over " + MAX_HEAD_BYTES + " bytes");
                }
                int stop = at + length;
                int colon = at;
                while (colon < stop && buffer[colon] != ':') {
                    colon++;
                }
                int nameEnd = trimEnd(at, colon);
                if (colon == stop || nameEnd == at) {
                    throw new MalformedAnswerException("a header line without a name");
                }
                int valueStart = colon + 1;
                while (valueStart < stop && (buffer[valueStart] == ' ' || buffer[valueStart] == '\t')) {
                    valueStart++;
                }
                int valueEnd = trimEnd(valueStart, stop);
                if (named(at, nameEnd, CONTENT_LENGTH)) {
                    contentLength = contentLength(valueStart, valueEnd);
                } else if (named(at, nameEnd, TRANSFER_ENCODING)) {
                    chunked = text(valueStart, valueEnd).toLowerCase(java.util.Locale.ROOT).endsWith("chunked");
                } else if (named(at, nameEnd, CONNECTION)) {
                    String v = text(valueStart, valueEnd).toLowerCase(java.util.Locale.ROOT);
                    keepAlive = v.contains("close") ? false : v.contains("keep-alive") || keepAlive;
                } else if (named(at, nameEnd, CONTENT_TYPE)) {
                    contentType = text(valueStart, valueEnd);
                }
            }
        }

        /** Whether {@code buffer[from, to)} is {@code lowerName}, ignoring the case of ASCII letters. */
        private boolean named(int from, int to, byte[] lowerName) {
            if (to - from != lowerName.length) {
                return false;
            }
            for (int i = 0; i < lowerName.length; i++) {
                byte b = buffer[from + i];
                if ((b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b) != lowerName[i]) {
                    return false;
                }
            }
            return true;
        }

        private boolean startsWith(int at, byte[] prefix) {
            return Arrays.equals(buffer, at, at + prefix.length, prefix, 0, prefix.length);
        }

        /** {@code to} moved back over spaces and tabs, not before {@code from}. */
        private int trimEnd(int from, int to) {
            while (to > from && (buffer[to - 1] == ' ' || buffer[to - 1] == '\t' || buffer[to - 1] == '\r')) {
                to--;
            }
            return to;
        }

        private String text(int from, int to) {
            return new String(buffer, from, to - from, StandardCharsets.ISO_8859_1);
        }

        private long contentLength(int from, int to) throws MalformedAnswerException {
            if (to == from || to - from > 18) {
                throw new MalformedAnswerException("a Content-Length that is not a number");
            }
            long n = 0;
            for (int i = from; i < to; i++) {
                byte ch = buffer[i];
                if (ch < '0' || ch > '9') {
                    throw new MalformedAnswerException("a Content-Length that is not a number");
                }
                n = n * 10 + (ch - '0');
            }
            return n;
        }

        /** One line of the head, without its CRLF (a bare LF is taken too). */
        private String line() throws IOException {
            int length = lineLength();
            String line = text(start, start + length);
            start = next;
            return line;
        }

        /**
         * Buffers one whole line of the head: its length without the CRLF (a bare LF is taken too),
         * starting at {@code start}; {@code next} is where the line after it starts.
         */
        private int lineLength() throws IOException {
            int from = start;
            while (true) {
                for (int i = from; i < end; i++) {
                    if (buffer[i] == '\n') {
                        next = i + 1;
                        return (i > start && buffer[i - 1] == '\r' ? i - 1 : i) - start;
                    }
                }
                if (end - start >= buffer.length) {
                    throw new MalformedAnswerException("a header line over " + buffer.length + " bytes");
                }
                from = end - start;
                compact();
                fill();
            }
        }

        private void compact() {
            if (start > 0) {
                System.arraycopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
        }

        /** Reads more into the buffer; the end of the stream here means the answer was cut short. */
        private void fill() throws IOException {
            int n = read(buffer, end, buffer.length - end);
            if (n < 0) {
                throw stale(new MalformedAnswerException("the answer ended early"));
            }
            end += n;
        }

        private int read(byte[] into, int at, int length) throws IOException {
            int n;
            try {
                n = in.read(into, at, length); // untimed: NodeDeadlines closes the socket at the deadline
            } catch (java.net.SocketException e) {
                throw failed(e); // a reset before any answer is a connection the node dropped
            }
            if (n > 0) {
                received += n;
            }
            return n;
        }

        private byte[] exactly(int length) throws IOException {
            hold(length);
            byte[] body = new byte[length];
            fill(body, 0, length, "the answer ended before its Content-Length");
            if (start < end) {
                keepAlive = false; // more than was declared: the next answer could not be told apart
                start = end;
            }
            return body;
        }

        private byte[] chunked() throws IOException {
            byte[] body = new byte[Math.min(READ_BUFFER, maxResponseBytes)];
            int length = 0;
            while (true) {
                String sizeLine = line();
                int semicolon = sizeLine.indexOf(';');
                long size = chunkSize(semicolon < 0 ? sizeLine.trim() : sizeLine.substring(0, semicolon).trim());
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailers: not used
                    }
                    return Arrays.copyOf(body, length);
                }
                if (length + size > maxResponseBytes) {
                    throw new TooLargeException();
                }
                int need = length + (int) size;
                if (need > body.length) {
                    int capacity = Math.min(maxResponseBytes, Math.max(need, body.length * 2));
                    hold(capacity + body.length); // the old array and the new one, while copied
                    body = Arrays.copyOf(body, capacity);
                }
                fill(body, length, need, "the answer ended inside a chunk");
                length = need;
                if (!line().isEmpty()) {
                    throw new MalformedAnswerException("a chunk longer than its size");
                }
            }
        }

        /** Fills {@code body[from, to)}: first from what is buffered, then from the socket. */
        private void fill(byte[] body, int from, int to, String endedEarly) throws IOException {
            int have = Math.min(to - from, end - start);
            System.arraycopy(buffer, start, body, from, have);
            start += have;
            for (int at = from + have; at < to; ) {
                int n = read(body, at, to - at);
                if (n < 0) {
                    throw new MalformedAnswerException(endedEarly);
                }
                at += n;
            }
        }

        private static long chunkSize(String hex) throws MalformedAnswerException {
            if (hex.isEmpty() || hex.length() > 8) {
                throw new MalformedAnswerException("a chunk size that is not hex");
            }
            try {
                return Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new MalformedAnswerException("a chunk size that is not hex");
            }
        }

        private byte[] toEnd() throws IOException {
            byte[] body = new byte[Math.min(READ_BUFFER, maxResponseBytes + 1)];
            int length = Math.min(end - start, maxResponseBytes + 1);
            if (length > body.length) {
                hold(length);
                body = new byte[length];
            }
            System.arraycopy(buffer, start, body, 0, length);
            start = end;
            while (true) {
                if (length > maxResponseBytes) {
                    throw new TooLargeException();
                }
                if (length == body.length) {
                    int capacity = (int) Math.min((long) maxResponseBytes + 1, (long) body.length * 2);
                    hold((long) capacity + body.length); // the old array and the new one, while copied
                    body = Arrays.copyOf(body, capacity);
                }
                int n = read(body, length, body.length - length);
                if (n < 0) {
                    return Arrays.copyOf(body, length);
                }
                length += n;
            }
        }
    }
}
