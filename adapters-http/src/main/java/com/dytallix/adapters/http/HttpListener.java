package com.dytallix.adapters.http;

import io.helidon.webserver.ErrorHandling;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.spi.ProtocolConfig;
import io.helidon.webserver.http1.Http1Config;
import java.time.Duration;
import java.util.List;

/**
 * The listener settings of the edge, the same for the server and the tests: the body backstop,
 * the JSON answers for what fails before routing, and the time a connection may take.
 */
public final class HttpListener {
    private HttpListener() {
    }

    /**
     * @param requestSizeLimit REQUEST_SIZE_LIMIT
     * @param readTimeout      HTTP_READ_TIMEOUT_MS: headers and body of one request
     * @param idleTimeout      HTTP_IDLE_TIMEOUT_MS: a connection without a request
     * @param connections      the open connections, counted against HTTP_MAX_CONNECTIONS and HTTP_MAX_CONNECTIONS_PER_CLIENT
     */
    public record Limits(long requestSizeLimit, Duration readTimeout, Duration idleTimeout, ConnectionLimits.Counts connections) {
    }

    /**
     * Configures {@code server}; the returned deadlines must be closed with it. {@code observer} is
     * told of every answer given before routing (the routing's filter tells it of the others).
     */
    public static ReadDeadlines configure(WebServerConfig.Builder server, Limits limits, RequestObserver observer) {
        ReadDeadlines deadlines = new ReadDeadlines(limits.readTimeout());
        server.maxPayloadSize(limits.requestSizeLimit() * 2 + 65_536) // a backstop: the handler answers 413 first
                .directHandlers(HttpEdge.directHandlers(observer))
                // Helidon hands its parser's message to the direct handlers only with this on (it writes no
                // entity itself: every event type has ours). They never echo it: they only tell headers over
                // the limit, which Helidon answers 400, from other malformed requests, to answer 431
                .errorHandling(ErrorHandling.builder().includeEntity(true).build())
                // Nagle's algorithm off on accepted connections (Helidon leaves it on): an answer written in more
                // than one piece (a large relayed answer, a streamed one) does not wait for the client's ACK
                // of the one before
                .connectionOptions(socket -> socket.tcpNoDelay(true))
                .idleConnectionTimeout(limits.idleTimeout())
                // Helidon checks idleness on this period; its clock moves in whole seconds
                .idleConnectionPeriod(Duration.ofMillis(Math.clamp(limits.idleTimeout().toMillis() / 4, 500, 5000)))
                // only our HTTP/1.1 configuration: beside the discovered default, Helidon would guess the
                // protocol from the first bytes and drop unparseable requests without the JSON answer.
                // Other protocols are added by their owners after this call (the WebSocket relay adds its own).
                .protocolsDiscoverServices(false)
                // through ConnectionLimits, which counts every connection before Helidon's HTTP/1.1 serves it
                .protocols(List.<ProtocolConfig>of(new ConnectionLimits.Config(Http1Config.builder().addReceiveListener(deadlines)
                        // past them the edge answers 414 and 431 (HttpEdge.directHandlers), naming these limits
                        .maxPrologueLength(HttpEdge.MAX_REQUEST_LINE)
                        .maxHeadersSize(HttpEdge.MAX_HEADERS)
                        // every response header is ours: constants, or a value from a request header Helidon
                        // already validated (the request id, a CORS origin); checking them again cost CPU per answer
                        .validateResponseHeaders(false)
                        // Helidon checks the Host value's syntax with regular expressions on every request
                        // (2 % of a refusal's CPU); nothing here reads the Host, so only its presence and
                        // count are checked, by the edge (HttpEdge), as HTTP/1.1 asks
                        .validateRequestHostHeader(false)
                        // Helidon's trace lines of every prologue, header block and answer: each asked the
                        // logger whether to write, several times per request, and nothing here ever enables them
                        .receiveLog(false)
                        .sendLog(false)
                        .build(), limits.connections(), observer)));
        return deadlines;
    }
}
