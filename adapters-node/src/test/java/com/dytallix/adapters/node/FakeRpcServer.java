package com.dytallix.adapters.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A deliberately scriptable HTTP server on 127.0.0.1 that plays a node, well or badly. */
final class FakeRpcServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    @FunctionalInterface
    interface Behaviour {
        /** Answers one exchange; returning without answering leaves the client hanging. */
        void handle(JsonNode request, HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Behaviour behaviour;

    FakeRpcServer(Behaviour behaviour) throws IOException {
        this.behaviour = behaviour;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] body = exchange.getRequestBody().readAllBytes();
            this.behaviour.handle(JSON.readTree(body), exchange);
        });
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/rpc");
    }

    int requests() {
        return requests.get();
    }

    void behave(Behaviour next) {
        behaviour = next;
    }

    static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Holds the answer being written until {@code release} opens (at most 5 s): a node slow to answer. */
    static void holdUntil(CountDownLatch release) {
        try {
            release.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A well-formed JSON-RPC answer with the request's id. */
    static void result(JsonNode request, HttpExchange exchange, String resultJson) throws IOException {
        send(exchange, 200, "application/json",
                "{\"jsonrpc\":\"2.0\",\"id\":" + request.get("id") + ",\"result\":" + resultJson + "}");
    }

    static void error(JsonNode request, HttpExchange exchange, int code, String message, String dataJson) throws IOException {
        send(exchange, 200, "application/json", "{\"jsonrpc\":\"2.0\",\"id\":" + request.get("id")
                + ",\"error\":{\"code\":" + code + ",\"message\":" + JSON.writeValueAsString(message)
                + (dataJson == null ? "" : ",\"data\":" + dataJson) + "}}");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
