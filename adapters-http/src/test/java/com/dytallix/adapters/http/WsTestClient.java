package com.dytallix.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The JDK's WebSocket client on /api/rpc: what it received, in order, and how the server closed it. */
final class WsTestClient implements AutoCloseable {
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    final java.util.concurrent.atomic.AtomicInteger pings = new java.util.concurrent.atomic.AtomicInteger();
    final CompletableFuture<String> pong = new CompletableFuture<>();
    private final WebSocket socket;
    private volatile boolean reading = true;

    /** @param headers the upgrade request's extra headers, name and value in turn */
    WsTestClient(int port, String... headers) {
        StringBuilder partial = new StringBuilder();
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        socket = builder
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/rpc"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            received.add(partial.toString());
                            partial.setLength(0);
                        }
                        if (reading) {
                            ws.request(1);
                        }
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onPing(WebSocket ws, java.nio.ByteBuffer message) {
                        pings.incrementAndGet(); // the JDK client answers with a pong itself
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onPong(WebSocket ws, java.nio.ByteBuffer message) {
                        pong.complete(java.nio.charset.StandardCharsets.UTF_8.decode(message).toString());
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                        closed.complete(code + " " + reason);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket ws, Throwable error) {
                        closed.complete("error " + error);
                    }
                }).join();
    }

    /** After the next message, reads nothing more: the server's writes back up. */
    void stopReading() {
        reading = false;
    }

    /** Reads again what the server wrote meanwhile, and what follows. */
    void resumeReading() {
        reading = true;
        socket.request(1);
    }

    void ping(String payload) {
        socket.sendPing(java.nio.ByteBuffer.wrap(payload.getBytes(java.nio.charset.StandardCharsets.UTF_8))).join();
    }

    void send(String text) {
        socket.sendText(text, true).join();
    }

    /** One frame of a message; {@code last} ends it. */
    void sendFragment(String text, boolean last) {
        socket.sendText(text, last).join();
    }

    /** The next message, or an AssertionError after 10 s. */
    JsonNode next() {
        try {
            String text = received.poll(10, TimeUnit.SECONDS);
            if (text == null) {
                throw new AssertionError("no message within 10 s (closed: " + closed.getNow("no") + ")");
            }
            return Json.MAPPER.readTree(text);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Sends a request and returns the next message (the answer, when nothing else is in flight). */
    JsonNode call(String request) {
        send(request);
        return next();
    }

    boolean nothingReceived() {
        return received.isEmpty();
    }

    /** "code reason" of the server's close, within 10 s. */
    String closeReason() {
        try {
            return closed.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("not closed within 10 s", e);
        }
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
        }
        socket.abort();
    }
}
