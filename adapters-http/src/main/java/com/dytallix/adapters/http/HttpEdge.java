package com.dytallix.adapters.http;

import com.dytallix.domain.ClientIp;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.helidon.common.Weighted;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.MDC;

/**
 * What every request passes through: a request id (X-Request-Id in and out), the client IP
 * resolved once, the {@link RequestObserver} told of its end (the access line and HTTP metrics), and
 * the one error envelope for anything a handler throws — never a stack trace or a framework's message.
 */
public final class HttpEdge implements Filter {
    private static final System.Logger LOG = System.getLogger(HttpEdge.class.getName());
    private static final io.helidon.http.HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");
    private static final int MAX_REQUEST_ID = 64;
    private static final ThreadLocal<Peer> LAST_PEER = new ThreadLocal<>();
    /** At most this much of a refused body is read and thrown away before the connection closes. */
    private static final int LINGER_MAX_BYTES = 4 << 20;

    private final ClientIpResolver clientIps;
    private final RequestObserver observer;

    public HttpEdge(ClientIpResolver clientIps, RequestObserver observer) {
        this.clientIps = clientIps;
        this.observer = observer;
    }

    /** Installs the filter and the error handlers. Add it before any other filter: they rely on its {@link RequestInfo}. */
    public void install(HttpRouting.Builder routing) {
        routing.addFilter(this);
        routing.error(ApiException.class, (req, res, e) -> answer(req, res, e));
        routing.error(Throwable.class, (req, res, e) -> {
            if (e instanceof VirtualMachineError) {
                // out of memory and the like: the process decides (it exits, to be restarted)
                Thread thread = Thread.currentThread();
                thread.getUncaughtExceptionHandler().uncaughtException(thread, e);
            }
            answer(req, res, ErrorMapper.map(e));
        });
    }

    /**
     * An error handler's answer, which must never throw. Helidon 4.5 takes anything an error handler
     * throws, the failed write to a client that has gone away included, for the handler failing
     * ({@code ErrorHandlers.handleError}); as the answer already counts as sent, it then logs
     * "Request failed: … cannot send error response, as response already sent" at WARNING with the
     * original error and its stack trace: one multi-line warning for every client that hangs up
     * early, a log flood anyone could cause. So a failed write is noted here and the edge filter
     * closes the connection once the request is done (Helidon logs that at TRACE).
     */
    private static void answer(ServerRequest req, ServerResponse res, ApiException e) {
        try {
            write(req, res, e);
        } catch (CloseConnectionException | UncheckedIOException gone) {
            RequestInfo.find().ifPresent(RequestInfo::clientGone);
            LOG.log(System.Logger.Level.DEBUG, "the client went away before its {0} answer was written", e.status());
        }
    }

    /**
     * The JSON 404 for unknown routes. It is registered as the feature with the lowest weight, so
     * it comes after every route, also those registered later and those of features such as
     * Helidon's observe endpoints ({@code /observe/health}), which would otherwise be shadowed.
     */
    public static void notFound(HttpRouting.Builder routing) {
        routing.addFeature(new NotFoundLast());
    }

    private static final class NotFoundLast implements HttpFeature, Weighted {
        @Override
        public void setup(HttpRouting.Builder routing) {
            routing.any((req, res) -> {
                throw ApiException.notFound("no route for " + HeadResponse.methodNamed(req) + " " + req.path().path());
            });
        }

        @Override
        public double weight() {
            return 0.1;
        }
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        ReadDeadlines.pause();
        long start = System.nanoTime();
        String requestId = requestId(req.headers());
        ClientIp peer = peerOf(req);
        ClientIp client = clientIps.resolve(peer, req.headers().all(HeaderNames.X_FORWARDED_FOR, List::of));
        RequestInfo info = new RequestInfo(requestId, client, start);
        info.begin();
        res.header(REQUEST_ID, requestId);
        MDC.put("requestId", requestId);
        MDC.put("clientIp", client.value());
        try {
            requireFieldNames(req);
            requireOneHost(req);
            requirePath(req);
            refuseChunkedBody(req);
            chain.proceed();
        } catch (CloseConnectionException e) {
            throw e;
        } catch (Exception e) {
            // answered here rather than by the routing's error handler, so that the access log,
            // the metrics and the connection's fate below see the status actually sent
            answer(req, res, ErrorMapper.map(e));
        } finally {
            long elapsed = System.nanoTime() - start;
            int status = res.status().code();
            String method = req.prologue().method().text();
            observer.completed(method, info.route(), status, elapsed, requestId, client.value());
            MDC.clear();
            info.end();
        }
        if (info.isClientGone()) {
            throw new CloseConnectionException("the client went away before its answer was written");
        }
        endOrKeepConnection(req, res);
    }

    /**
     * The client's X-Request-Id when it is 1–64 of {@code [A-Za-z0-9._:-]} and not 64 hex digits
     * (the shape of a private key, which the access line would carry unmasked); else a new one.
     */
    private static String requestId(io.helidon.http.Headers headers) {
        String id = headers.first(REQUEST_ID).orElse(null);
        return id != null && safeRequestId(id) ? id : newRequestId();
    }

    /**
     * A random UUID (version 4) from the thread's fast generator: a request id names a request in
     * the logs and is no secret, and the secure generator's cost showed on every request.
     */
    static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong() & ~0xF000L | 0x4000L;
        long low = random.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    static boolean safeRequestId(String id) {
        int n = id.length();
        if (n == 0 || n > MAX_REQUEST_ID) {
            return false;
        }
        boolean allHex = n == MAX_REQUEST_ID;
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            boolean hex = HexFormat.isHexDigit(c);
            if (!hex && !(c >= 'g' && c <= 'z' || c >= 'G' && c <= 'Z' || c == '.' || c == '_' || c == ':' || c == '-')) {
                return false;
            }
            allHex &= hex;
        }
        return !allHex;
    }

    /**
     * A header line with nothing before its colon ({@code : value}, {@code :path: /}) is no field
     * (RFC 9110, 5.1: a field name is a token, one character or more), but Helidon 4.5's parser takes
     * it for a header with an empty name and serves the request; a proxy in front may read the same
     * bytes otherwise. Answered as every other malformed header line is.
     */
    private static void requireFieldNames(ServerRequest req) {
        for (io.helidon.http.Header header : req.headers()) {
            if (header.name().isEmpty()) {
                throw new ApiException(400, "INVALID_REQUEST", "the request could not be understood");
            }
        }
    }

    /**
     * HTTP/1.1 asks for a 400 to a request without a Host header or with several. Helidon's own check
     * of the value's syntax is off (see {@link HttpListener}): nothing here reads the Host.
     */
    private static void requireOneHost(ServerRequest req) {
        if (req.headers().all(HeaderNames.HOST, List::of).size() != 1) {
            throw new ApiException(400, "INVALID_REQUEST", "a request needs exactly one Host header");
        }
    }

    /**
     * A request target other than a path: CONNECT's {@code host:port} (the authority form), which
     * Helidon routes with no path at all, which nothing after this filter expects; and anything else
     * that does not start with {@code /} ({@code x:443}, {@code api/status}, {@code ?a=b}, {@code *}
     * but for {@code OPTIONS *}), which Helidon routes as a path that no route has (a 404 echoing the
     * target, where the same target with a dot in its host was this 400). An absolute URI
     * ({@code http://host/api/status}) arrives here as its path. This server is no proxy.
     */
    private static void requirePath(ServerRequest req) {
        String path = req.path().path();
        if (path == null || !path.startsWith("/") && !("*".equals(path) && req.prologue().method() == Method.OPTIONS)) {
            throw new ApiException(400, "INVALID_REQUEST", "the request target must be a path such as /api/status; this server is not a proxy");
        }
    }

    /**
     * Helidon's chunked decoder accepts what RFC 9112 refuses (a signed chunk size, any two bytes
     * where the CRLF after chunk data belongs) and offers no hook to be stricter, so a chunked
     * request body is refused unread (411: send Content-Length), and the connection closed.
     */
    private static void refuseChunkedBody(ServerRequest req) {
        if (req.headers().contains(HeaderNames.TRANSFER_ENCODING)) {
            throw new ApiException(411, "INVALID_REQUEST",
                    "a chunked request body is not accepted; send the body with Content-Length");
        }
    }

    /**
     * Ends the connection after the response when the client asked for it or the answer said so.
     * Helidon 4.5 answers "Connection: close" but then goes on reading the connection, and
     * parses a body it did not read as the next requests: a request smuggling primitive. A body
     * a successful handler left unread is drained under the read deadline, never parsed.
     */
    private static void endOrKeepConnection(ServerRequest req, ServerResponse res) {
        boolean close = closes(req.headers()) || closes(res.headers());
        if (!close && awaitsContinue(req)) {
            close = true; // its body is not coming until told to: the connection cannot go on
        } else if (!close && req.content().hasEntity() && !req.content().consumed()) {
            try {
                ReadDeadlines.whileReading(() -> {
                    req.content().consume();
                    return null;
                });
            } catch (RuntimeException e) {
                close = true;
            }
        }
        if (close) {
            linger(req);
            throw new CloseConnectionException("the response closes the connection");
        }
    }

    /**
     * The client sent "Expect: 100-continue" and its body was not read: it waits for a 100 Continue
     * before sending the body, and Helidon sends one at the body's first read. Read after the answer,
     * that 100 followed the final answer on the wire (a client keeping the connection would take it
     * for the answer to its next request); the connection ends with the answer instead, with nothing to drain.
     */
    private static boolean awaitsContinue(ServerRequest req) {
        return req.content().hasEntity() && !req.content().consumed() && req.headers().contains(HeaderValues.EXPECT_100);
    }

    /**
     * "Connection: close" among the headers. Most requests carry no Connection header, and an answer
     * one value of one token ("keep-alive"): Helidon's token search streams and collects the values
     * each time, so the usual cases are looked at directly.
     */
    private static boolean closes(io.helidon.http.Headers headers) {
        if (!headers.contains(HeaderNames.CONNECTION)) {
            return false;
        }
        List<String> values = headers.all(HeaderNames.CONNECTION, List::of);
        if (values.size() == 1 && values.getFirst().indexOf(',') < 0) {
            return values.getFirst().strip().equalsIgnoreCase("close");
        }
        return headers.containsToken(HeaderValues.CONNECTION_CLOSE);
    }

    /**
     * A lingering close, as nginx does: a body refused unread is drained (discarded, bounded by
     * {@link #LINGER_MAX_BYTES}, the listener's max-payload-size and the read deadline) after the answer is sent. Closing a socket
     * with unread bytes sends a reset, and a client still sending its body then loses the answer
     * it was sent (it sees "connection reset" instead of the 411 or 413). Nothing drained is parsed:
     * the connection closes whatever arrives.
     */
    private static void linger(ServerRequest req) {
        if (!req.content().hasEntity() || req.content().consumed() || awaitsContinue(req)) {
            return;
        }
        try {
            ReadDeadlines.whileReading(() -> {
                try (InputStream in = req.content().inputStream()) {
                    byte[] sink = new byte[8192];
                    long total = 0;
                    for (int n; total < LINGER_MAX_BYTES && (n = in.read(sink)) >= 0; ) {
                        total += n;
                    }
                } catch (IOException e) {
                    // the connection closes anyway
                }
                return null;
            });
        } catch (RuntimeException e) {
            // over the deadline, over the listener's payload limit or bad framing: close now
        }
    }

    /**
     * The socket peer, made once per connection: a connection's requests run one after the other on
     * its thread, and formatting the peer's address and parsing it back for each of them showed in
     * every request's profile.
     */
    private static ClientIp peerOf(ServerRequest req) {
        if (req.remotePeer().address() instanceof InetSocketAddress socket && socket.getAddress() != null) {
            InetAddress address = socket.getAddress();
            Peer last = LAST_PEER.get();
            if (last == null || !last.address().equals(address)) {
                last = new Peer(address, ClientIp.of(address));
                LAST_PEER.set(last);
            }
            return last.ip();
        }
        return ClientIp.parse("0.0.0.0");
    }

    private record Peer(InetAddress address, ClientIp ip) {
    }

    static void write(ServerRequest req, ServerResponse res, ApiException e) {
        String requestId = RequestInfo.find().map(RequestInfo::requestId).orElseGet(HttpEdge::newRequestId);
        if (RequestObserver.serverFault(e.status(), e.code())) {
            logFailure(e.code(), e.status(), e.getMessage());
        }
        if (res.isSent()) {
            return;
        }
        e.headers().forEach(res::header);
        res.header(REQUEST_ID, requestId);
        if (e.status() == 411 || e.status() == 413
                || (e.status() >= 400 && req.content().hasEntity() && !req.content().consumed())) {
            // a body refused unread is never read: the connection ends with this answer
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        // the answer to a HEAD has the error's status and headers and no body (RFC 9110)
        Responses.jsonBytes(HeadResponse.forRequest(req, res), Status.create(e.status()),
                e.isFixed() ? PreparedEnvelopes.write(e, requestId) : Json.write(envelope(e, requestId)));
    }

    /**
     * The envelopes of {@link ApiException#fixed} answers as bytes, all but the request id (and a
     * limit's reset time), made once each. The request id goes in as it is: the edge only ever uses
     * ids of {@code [A-Za-z0-9._:-]}; so does the reset time, an ISO-8601 instant. Bounded: the
     * operator's pause reason is the only free text, and a full map starts over.
     */
    static final class PreparedEnvelopes {
        private static final int MAX = 256;
        private static final byte[] END = {'"', '}'};
        private static final byte[] RESET_AT = "\"resetAt\":\"\"".getBytes(StandardCharsets.US_ASCII);
        private static final ConcurrentHashMap<Key, Prepared> PREPARED = new ConcurrentHashMap<>();

        private record Key(int status, String code, String message, ApiException.Details details) {
        }

        /** The envelope up to the reset time (or the request id), and from after the reset time up to the request id. */
        private record Prepared(byte[] head, byte[] middle) {
        }

        private PreparedEnvelopes() {
        }

        static byte[] write(ApiException e, String requestId) {
            String resetAt = "";
            ApiException.Details details = e.details();
            if (details instanceof ApiException.Details.RateLimit limit) {
                resetAt = limit.resetAt();
                details = new ApiException.Details.RateLimit(limit.scope(), "");
            }
            Key key = new Key(e.status(), e.code(), e.getMessage(), details);
            Prepared prepared = PREPARED.get(key);
            if (prepared == null) {
                if (PREPARED.size() >= MAX) {
                    PREPARED.clear();
                }
                prepared = prepare(e, details);
                PREPARED.put(key, prepared);
            }
            byte[] head = prepared.head();
            byte[] middle = prepared.middle();
            byte[] out = Arrays.copyOf(head, head.length + resetAt.length() + middle.length + requestId.length() + END.length);
            int at = head.length;
            for (int i = 0; i < resetAt.length(); i++) {
                out[at++] = (byte) resetAt.charAt(i);
            }
            System.arraycopy(middle, 0, out, at, middle.length);
            at += middle.length;
            for (int i = 0; i < requestId.length(); i++) {
                out[at++] = (byte) requestId.charAt(i);
            }
            out[at++] = END[0];
            out[at] = END[1];
            return out;
        }

        /** The envelope with an empty request id (and reset time) ends with {@code ""}}: cut there (and inside the empty reset time). */
        private static Prepared prepare(ApiException e, ApiException.Details details) {
            byte[] whole = Json.write(new ErrorEnvelope(e.code(), e.getMessage(), details, ""));
            int open = whole.length - END.length;
            if (!(details instanceof ApiException.Details.RateLimit)) {
                return new Prepared(Arrays.copyOf(whole, open), new byte[0]);
            }
            int reset = lastIndexOf(whole, RESET_AT) + RESET_AT.length - 1; // at the closing quote of the empty value
            return new Prepared(Arrays.copyOf(whole, reset), Arrays.copyOfRange(whole, reset, open));
        }

        private static int lastIndexOf(byte[] in, byte[] what) {
            for (int i = in.length - what.length; i >= 0; i--) {
                if (Arrays.equals(in, i, i + what.length, what, 0, what.length)) {
                    return i;
                }
            }
            throw new IllegalStateException("no " + new String(what, StandardCharsets.US_ASCII) + " in the envelope");
        }
    }

    static ErrorEnvelope envelope(ApiException e, String requestId) {
        return new ErrorEnvelope(e.code(), e.getMessage(), e.details(), requestId);
    }

    /** The one error answer: {@code details} only when the error has some. */
    record ErrorEnvelope(String code, String message, @JsonInclude(JsonInclude.Include.NON_NULL) ApiException.Details details,
                         String requestId) {
    }

    /** The log line for a server-side failure; the error code is in the text and in the MDC (e.g. RPC_TIMEOUT). */
    static void logFailure(String code, int status, String message) {
        MDC.put("errorCode", code);
        LOG.log(System.Logger.Level.WARNING, "{0} {1}: {2}", code, status, message);
        MDC.remove("errorCode");
    }

    /**
     * The server-side failures of a batch's items: one line per error code, with how many items had it and the first
     * one's message, not a line per item (a batch of 100 items refused while the node is busy wrote 100 alike).
     *
     * @param what what the items are, e.g. "batch items"
     */
    static void logFailures(String what, int items, List<ApiException> failures) {
        Map<String, List<ApiException>> byCode = new LinkedHashMap<>();
        failures.forEach(f -> byCode.computeIfAbsent(f.code(), c -> new ArrayList<>()).add(f));
        byCode.forEach((code, same) -> logFailure(code, same.getFirst().status(),
                same.size() + " of " + items + " " + what + ": " + same.getFirst().getMessage()));
    }

    /**
     * Answers for what Helidon refuses before routing (malformed request line or headers, URI or
     * headers too long, bad chunking, a body over the listener's max-payload-size), in the
     * contract's envelope instead of Helidon's text, each told to {@code observer} as
     * {@linkplain RequestObserver#refused refused} (the access line and the metrics): the client is the
     * connection's peer (from {@link ConnectionLimits}), the method and path as far as the parser read
     * them, made safe for a log ({@link LogSafe}). {@link HttpListener} sets them on the listener. The
     * parser's message is never echoed.
     */
    public static DirectHandlers directHandlers(RequestObserver observer) {
        DirectHandler json = (req, type, status, headers, unsafeMessage) -> direct(req, type, status, headers, unsafeMessage, observer);
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, json);
        }
        return builder.build();
    }

    /**
     * What Helidon 4.5's header parser says (an {@code IllegalStateException}, answered 400) when the
     * headers pass the listener's limit: one line too long or too many lines, 16 KiB in all. Matched
     * here to answer 431 instead, as RFC 6585 asks; EdgeEnvelopeTest pins it.
     */
    static final String HEADERS_TOO_LARGE = "Header size exceeded";
    /** The request line's limit (HttpListener sets it): past it, 414. Helidon's default. */
    static final int MAX_REQUEST_LINE = 4 * 1024;
    /** All header lines together (HttpListener sets it): past it, 431. Helidon's default. */
    static final int MAX_HEADERS = 16 * 1024;
    private static final Status HEADERS_TOO_LARGE_431 = Status.create(431, "Request Header Fields Too Large");
    /** Helidon's own 414 says "Request-URI Too Long", the phrase of RFC 2616; RFC 9110 says "URI Too Long". */
    private static final Status URI_TOO_LONG_414 = Status.create(414, "URI Too Long");

    /**
     * The client of an answer given before routing: the connection's peer. Behind a proxy that is the
     * proxy: the parser's refusals come before the headers that would say for whom it forwards (or
     * without them), and a request line or headers too broken to be served are not trusted for that.
     */
    private static String peer() {
        ClientIp peer = ConnectionLimits.peer();
        return peer == null ? "0.0.0.0" : peer.value();
    }

    private static DirectHandler.TransportResponse direct(DirectHandler.TransportRequest req,
                                                          DirectHandler.EventType type,
                                                          Status status,
                                                          ServerResponseHeaders headers,
                                                          String unsafeMessage,
                                                          RequestObserver observer) {
        int code = status.code() == 400 && type == DirectHandler.EventType.BAD_REQUEST && HEADERS_TOO_LARGE.equals(unsafeMessage)
                ? 431 : status.code();
        ApiException e = type == DirectHandler.EventType.FORBIDDEN
                // Helidon 4.5's only refusal of this type: a WebSocket handshake from an Origin not allowed
                ? new ApiException(403, "FORBIDDEN", "this Origin may not open a WebSocket here; FRONTEND_ORIGIN lists the origins that may")
                : switch (code) {
            case 413 -> new ApiException(413, "PAYLOAD_TOO_LARGE", "request body is too large");
            case 414 -> new ApiException(414, "INVALID_REQUEST", "request line is too long (at most " + MAX_REQUEST_LINE / 1024 + " KiB: method, URI and version)");
            case 431 -> new ApiException(431, "INVALID_REQUEST", "request headers are too large (at most " + MAX_HEADERS / 1024 + " KiB together)");
            case 505 -> new ApiException(505, "INVALID_REQUEST",
                    "HTTP/1.0 is not supported; use HTTP/1.1 (behind nginx: proxy_http_version 1.1)");
            // Helidon's answer to a Transfer-Encoding whose codings end in chunked but hold another (gzip, chunked)
            case 501 -> new ApiException(501, "INVALID_REQUEST",
                    "a request body with a transfer coding is not accepted; send the body with Content-Length");
            // before routing nothing of ours runs: an "internal error" here is the parser failing on
            // what the client sent (a method such as "PU:T" makes Helidon 4.5 throw), so it is a 400
            default -> code >= 500 && type != DirectHandler.EventType.INTERNAL_ERROR
                    ? new ApiException(500, "INTERNAL_ERROR", "internal error; the request id identifies it in the server log")
                    : new ApiException(code >= 400 && code < 500 ? code : 400, "INVALID_REQUEST", "the request could not be understood");
        };
        String requestId = requestId(req.headers());
        if (RequestObserver.serverFault(e.status(), e.code())) {
            logFailure(e.code(), e.status(), type + " before routing");
        } else if (type == DirectHandler.EventType.INTERNAL_ERROR || e.status() >= 500) {
            // the client's doing (HTTP/1.0, a request line the parser throws on): its access line says
            // enough, and a warning here would be one for every such request anyone cares to send
            LOG.log(System.Logger.Level.DEBUG, "{0} before routing: answered {1}", type, e.status());
        }
        observer.refused(LogSafe.of(req.method(), RequestObserver.UNKNOWN), LogSafe.of(req.path(), RequestObserver.UNKNOWN),
                e.status(), e.code(), requestId, peer());
        ServerResponseHeaders out = ServerResponseHeaders.create();
        // keep what Helidon decided the client must know (e.g. Allow, Connection), never its entity headers
        headers.forEach(h -> {
            if (!h.headerName().equals(HeaderNames.CONTENT_TYPE) && !h.headerName().equals(HeaderNames.CONTENT_LENGTH)) {
                out.set(h);
            }
        });
        out.set(HeaderValues.CONTENT_TYPE_JSON);
        out.set(Responses.NO_STORE);
        out.set(REQUEST_ID, requestId);
        DirectHandler.TransportResponse.Builder answer = DirectHandler.TransportResponse.builder()
                .status(switch (e.status()) {
                    case 414 -> URI_TOO_LONG_414;
                    case 431 -> HEADERS_TOO_LARGE_431;
                    default -> Status.create(e.status());
                })
                .headers(out)
                .keepAlive(type.keepAlive());
        // a HEAD's answer has no body (Helidon then says Content-Length: 0): a client reads none
        if (!"HEAD".equals(req.method())) {
            answer.entity(Json.write(envelope(e, requestId)));
        }
        return answer.build();
    }
}
