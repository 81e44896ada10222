package com.dytallix.adapters.http;

import io.helidon.common.GenericType;
import io.helidon.common.uri.UriQuery;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http.spi.Sink;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The answer to a HEAD: what the GET handler it runs sends, status and headers, Content-Length the
 * length of the body it would have sent, and no body (RFC 9110, section 9.3.2). Helidon 4.5 sends a body
 * with a HEAD's answer if the handler gives one, so the handler is given this instead of the response.
 * {@link Routes} runs a path's GET handler with it; a HEAD therefore does what the GET does, no more.
 */
final class HeadResponse implements ServerResponse {
    private static final byte[] NOTHING = new byte[0];
    private final ServerResponse response;

    private HeadResponse(ServerResponse response) {
        this.response = response;
    }

    /** The response a handler answering {@code req} is given: for a HEAD this wrapper, for any other method {@code res} itself. */
    static ServerResponse forRequest(ServerRequest req, ServerResponse res) {
        return req.prologue().method() == Method.HEAD ? new HeadResponse(res) : res;
    }

    /**
     * The request's method as an answer names it: GET for a HEAD, whose answer is its GET's (a message
     * naming HEAD would be a byte longer and the HEAD's Content-Length not the GET's), else the method itself.
     */
    static String methodNamed(ServerRequest req) {
        Method method = req.prologue().method();
        return (method == Method.HEAD ? Method.GET : method).text();
    }

    /** Sends the status and headers with {@code length} as the Content-Length, and no body. */
    private void headersFor(long length) {
        if (!response.headers().contains(HeaderNames.CONTENT_LENGTH)) {
            response.contentLength(length);
        }
        // Helidon writes a Content-Length set beforehand as it is, and no body for an empty entity
        response.send(NOTHING);
    }

    @Override
    public void send(byte[] bytes) {
        headersFor(bytes.length);
    }

    @Override
    public void send(byte[] bytes, int position, int length) {
        headersFor(length);
    }

    /** A text (the metrics' scrape) is sent in UTF-8, as Helidon's writer does; anything else as an empty answer. */
    @Override
    public void send(Object entity) {
        if (entity instanceof byte[] bytes) {
            headersFor(bytes.length);
        } else if (entity instanceof CharSequence text) {
            headersFor(text.toString().getBytes(StandardCharsets.UTF_8).length);
        } else {
            response.send();
        }
    }

    @Override
    public void send() {
        response.send();
    }

    /** A body written as a stream is counted and thrown away; closing it sends the headers. */
    @Override
    public OutputStream outputStream() {
        return new OutputStream() {
            private long count;
            private boolean closed;

            @Override
            public void write(int b) {
                count++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count += len;
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    headersFor(count);
                }
            }
        };
    }

    @Override
    public ServerResponse status(Status status) {
        response.status(status);
        return this;
    }

    @Override
    public Status status() {
        return response.status();
    }

    @Override
    public ServerResponse header(Header header) {
        response.header(header);
        return this;
    }

    @Override
    public boolean isSent() {
        return response.isSent();
    }

    @Override
    public long bytesWritten() {
        return response.bytesWritten();
    }

    @Override
    public ServerResponse beforeSend(Runnable listener) {
        response.beforeSend(listener);
        return this;
    }

    @Override
    public ServerResponse whenSent(Runnable listener) {
        response.whenSent(listener);
        return this;
    }

    @Override
    public ServerResponse reroute(String newPath) {
        response.reroute(newPath);
        return this;
    }

    @Override
    public ServerResponse reroute(String path, UriQuery query) {
        response.reroute(path, query);
        return this;
    }

    @Override
    public ServerResponse next() {
        response.next();
        return this;
    }

    @Override
    public ServerResponseHeaders headers() {
        return response.headers();
    }

    @Override
    public ServerResponseTrailers trailers() {
        return response.trailers();
    }

    @Override
    public ServerResponse beforeTrailers(Consumer<ServerResponseTrailers> beforeTrailers) {
        response.beforeTrailers(beforeTrailers);
        return this;
    }

    @Override
    public void streamResult(String result) {
        response.streamResult(result);
    }

    /** No streaming sink for a HEAD: nothing here uses one, and its events would be a body. */
    @Override
    public <T extends Sink<?>> T sink(GenericType<T> sinkType) {
        throw new UnsupportedOperationException("no body is sent for a HEAD");
    }

    @Override
    public void streamFilter(UnaryOperator<OutputStream> filterFunction) {
        response.streamFilter(filterFunction);
    }
}
