package com.dytallix.bootstrap.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JSON-RPC proxy in front of anvil that can slow its {@code eth_sendRawTransaction} calls down or swallow them, and hold
 * the first call of a kind ({@link #holdFirst}) until the test releases it.
 */
public final class SendProxy implements AutoCloseable {
    /**
     * What the proxy does with a send: pass it on, pass it on once the test releases it (10 s at most), or never pass it on
     * (and answer nothing until the test sets another).
     */
    public enum Sends { PASS, SLOW, SWALLOW }

    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final URI node;
    public volatile Sends sends = Sends.PASS;
    private static final Pattern RAW = Pattern.compile("\"params\"\\s*:\\s*\\[\\s*\"(0x[0-9a-fA-F]*)\"");
    /**
     * The distinct signed transactions passed on to the node: the server may hand the node the same stored bytes
     * twice (its tracker's pass and the request's own send racing on a loaded machine), which pays nothing twice.
     */
    private final Set<String> passed = ConcurrentHashMap.newKeySet();
    /** Holds a SLOW send until counted down. */
    public final CountDownLatch release = new CountDownLatch(1);
    /** Counted down when the call {@link #holdFirst} names has come, and is being held. */
    public final CountDownLatch held = new CountDownLatch(1);
    /** Holds that call until counted down (a minute at most). */
    public final CountDownLatch releaseHeld = new CountDownLatch(1);
    /** Every request's body, in the order they came. */
    public final List<String> calls = new CopyOnWriteArrayList<>();
    private volatile Predicate<String> hold = body -> false;

    public SendProxy(URI node) throws IOException {
        this.node = node;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::relay);
        server.start();
    }

    /** Holds the first call whose body {@code call} matches until {@link #releaseHeld}; {@link #held} says it came. */
    public void holdFirst(Predicate<String> call) {
        hold = call;
    }

    /** How many distinct signed transactions have reached the node through this proxy. */
    public int transactionsPassed() {
        return passed.size();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void relay(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String text = new String(body, StandardCharsets.UTF_8);
            calls.add(text);
            boolean holdThis;
            synchronized (held) {
                holdThis = held.getCount() > 0 && hold.test(text);
                if (holdThis) {
                    held.countDown();
                }
            }
            if (holdThis) {
                releaseHeld.await(60, TimeUnit.SECONDS);
            }
            if (text.contains("eth_sendRawTransaction")) {
                Sends now = sends;
                if (now == Sends.SWALLOW) {
                    // the node never sees it, and the server waits for an answer until its NODE_TIMEOUT_MS, or until the test
                    // lets sends through again (a minute at most): then the connection closes unanswered, a send the node lost
                    for (long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(1); sends == Sends.SWALLOW && System.nanoTime() < end; ) {
                        Thread.sleep(20);
                    }
                    return;
                }
                if (now == Sends.SLOW) {
                    release.await(10, TimeUnit.SECONDS);
                }
                Matcher raw = RAW.matcher(new String(body, StandardCharsets.UTF_8));
                passed.add(raw.find() ? raw.group(1) : new String(body, StandardCharsets.UTF_8));
            }
            HttpResponse<byte[]> answer = client.send(HttpRequest.newBuilder(node)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.statusCode(), answer.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        releaseHeld.countDown();
        server.stop(0);
    }
}
