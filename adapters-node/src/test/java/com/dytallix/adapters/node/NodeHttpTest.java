package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node connection as nodes and the proxies in front of them really answer: keep-alive or
 * not, chunked, closed while idle, TLS. A scripted HTTP server on raw sockets plays the node, so
 * the test sees every connection the client opens.
 */
class NodeHttpTest {
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources.reversed()) {
            r.close();
        }
    }

    /** Answers each request with what {@code answer} makes of its id; a connection ends where the answer says. */
    private static final class ScriptedNode implements AutoCloseable {
        record Answer(String head, String body, boolean thenClose) {
        }

        private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final AtomicInteger connections = new AtomicInteger();
        private final Function<String, Answer> answer;

        ScriptedNode(Function<String, Answer> answer) throws IOException {
            this.answer = answer;
            Thread.ofVirtual().start(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket s = listener.accept();
                        connections.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/");
        }

        private void serve(Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                while (true) {
                    String request = readRequest(in);
                    if (request == null) {
                        return;
                    }
                    String id = request.replaceAll("(?s).*\"id\":(\\d+).*", "$1");
                    Answer a = answer.apply(id);
                    out.write((a.head() + a.body()).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    if (a.thenClose()) {
                        return;
                    }
                }
            } catch (IOException gone) {
                // the client closed
            }
        }

        private static String readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                String h = head.toString(StandardCharsets.ISO_8859_1);
                if (h.endsWith("\r\n\r\n")) {
                    int length = Integer.parseInt(h.toLowerCase(Locale.ROOT).replaceAll("(?s).*content-length: (\\d+).*", "$1"));
                    return h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    private ScriptedNode node(Function<String, ScriptedNode.Answer> answer) throws IOException {
        ScriptedNode node = new ScriptedNode(answer);
        resources.add(node);
        return node;
    }

    private JsonRpcChainNode client(URI url) {
        JsonRpcChainNode client = new JsonRpcChainNode(url, DEADLINE, 4, Duration.ofMillis(500));
        resources.add(client);
        return client;
    }

    private static String result(String id, String result) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}";
    }

    private static ScriptedNode.Answer withLength(String body, String extraHeaders, boolean close) {
        return new ScriptedNode.Answer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + extraHeaders
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n", body, close);
    }

    @Test
    void keepAliveAnswersReuseOneConnection() throws IOException {
        ScriptedNode node = node(id -> withLength(result(id, "\"0x7a69\""), "", false));
        JsonRpcChainNode client = client(node.url());
        for (int i = 0; i < 20; i++) {
            assertThat(client.chainId()).isEqualTo(31337);
        }
        assertThat(node.connections.get()).isEqualTo(1);
    }

    @Test
    void aConnectionUnusedForLongerThanItMayBeKeptIsClosedAndANewOneOpened() throws Exception {
        ScriptedNode node = node(id -> withLength(result(id, "\"0x7a69\""), "", false));
        NodeHttp http = new NodeHttp(node.url(), null, 2, 1 << 20, Duration.ofSeconds(2));
        resources.add(http);
        byte[] request = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}".getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        assertThat(http.post(request, deadline).status()).isEqualTo(200);
        assertThat(http.post(request, deadline).status()).isEqualTo(200);
        assertThat(node.connections.get()).isEqualTo(1);
        sleep(3000); // longer than the 2 s a connection may sit unused
        assertThat(http.post(request, System.nanoTime() + DEADLINE.toNanos()).status()).isEqualTo(200);
        assertThat(node.connections.get()).isEqualTo(2);
    }

    @Test
    void headerNamesAreReadWhateverTheirCaseAndValuesWithoutTheirSpaces() throws IOException {
        ScriptedNode node = node(id -> {
            String body = result(id, "\"0x7a69\"");
            return new ScriptedNode.Answer("HTTP/1.1 200 OK\r\nvary: origin\r\nCONTENT-TYPE: application/json\r\n"
                    + "content-length:\t " + body.getBytes(StandardCharsets.UTF_8).length + " \r\nX-Content-Length: 1\r\n\r\n", body, false);
        });
        JsonRpcChainNode client = client(node.url());
        for (int i = 0; i < 3; i++) {
            assertThat(client.chainId()).isEqualTo(31337);
        }
        assertThat(node.connections.get()).isEqualTo(1);

        ScriptedNode closing = node(id -> withLength(result(id, "\"0x7a69\""), "CONNECTION:  Close \r\n", true));
        JsonRpcChainNode second = client(closing.url());
        for (int i = 0; i < 2; i++) {
            assertThat(second.chainId()).isEqualTo(31337);
        }
        assertThat(closing.connections.get()).isEqualTo(2);
    }

    @Test
    void anAnswerThatSaysConnectionCloseIsNotReused() throws IOException {
        ScriptedNode node = node(id -> withLength(result(id, "\"0x7a69\""), "Connection: close\r\n", true));
        JsonRpcChainNode client = client(node.url());
        for (int i = 0; i < 3; i++) {
            assertThat(client.chainId()).isEqualTo(31337);
        }
        assertThat(node.connections.get()).isEqualTo(3);
    }

    @Test
    void aConnectionTheNodeClosedWhileIdleIsReplacedWithoutAFailure() throws IOException {
        // a node (or proxy) that ends keep-alive connections after each answer without saying so
        ScriptedNode node = node(id -> withLength(result(id, "\"0x7a69\""), "", true));
        JsonRpcChainNode client = client(node.url());
        for (int i = 0; i < 5; i++) {
            assertThat(client.chainId()).isEqualTo(31337);
            sleep(50); // the close reaches the client's idle connection
        }
        assertThat(node.connections.get()).isEqualTo(5);
    }

    @Test
    void chunkedAnswersAreReadWholeAndTheConnectionKept() throws IOException {
        String result = "{\"a\":\"" + "x".repeat(20_000) + "\"}";
        ScriptedNode node = node(id -> {
            String body = result(id, result);
            StringBuilder chunks = new StringBuilder();
            for (int at = 0; at < body.length(); at += 7_000) {
                String piece = body.substring(at, Math.min(body.length(), at + 7_000));
                chunks.append(Integer.toHexString(piece.length())).append(";ext=1\r\n").append(piece).append("\r\n");
            }
            chunks.append("0\r\nX-Trailer: yes\r\n\r\n");
            return new ScriptedNode.Answer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                    chunks.toString(), false);
        });
        JsonRpcChainNode client = client(node.url());
        for (int i = 0; i < 3; i++) {
            assertThat(client.call("eth_getBlockByNumber", "[\"0x1\",false]").text()).isEqualTo(result);
        }
        assertThat(node.connections.get()).isEqualTo(1);
    }

    @Test
    void largeAnswersTakeTheMemorySetAsideForThemAndGiveItBackHoweverTheReadEnds() throws IOException {
        String big = "\"0x" + "ab".repeat(100_000) + "\"";
        ScriptedNode lengths = node(id -> withLength(result(id, big), "", false));
        ScriptedNode chunked = node(id -> {
            String body = result(id, big);
            return new ScriptedNode.Answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                    Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n", false);
        });
        ScriptedNode toEnd = node(id -> new ScriptedNode.Answer("HTTP/1.0 200 OK\r\n\r\n", result(id, big), true));
        ScriptedNode cut = node(id -> new ScriptedNode.Answer("HTTP/1.1 200 OK\r\nContent-Length: 900000\r\n\r\n",
                result(id, big), true));
        long before = NodeHttp.BODIES.held();
        for (ScriptedNode node : List.of(lengths, chunked, toEnd)) {
            assertThat(client(node.url()).call("eth_call", "[{},\"latest\"]").text()).isEqualTo(big);
            assertThat(NodeHttp.BODIES.held()).as("given back after a whole answer").isEqualTo(before);
        }
        assertThatThrownBy(() -> client(cut.url()).call("eth_call", "[{},\"latest\"]")).isInstanceOf(NodeException.class);
        assertThat(NodeHttp.BODIES.held()).as("given back after an answer cut short").isEqualTo(before);

        // with the memory for answers nearly all taken, a large answer is refused as busy, not read
        long rest = NodeHttp.BODIES.max() - NodeHttp.BODIES.held() - 100_000;
        assertThat(NodeHttp.BODIES.take(rest)).isTrue();
        try {
            for (ScriptedNode node : List.of(lengths, chunked, toEnd)) {
                assertThatThrownBy(() -> client(node.url()).call("eth_call", "[{},\"latest\"]"))
                        .isInstanceOfSatisfying(NodeException.class, e -> {
                            assertThat(e.failure()).isEqualTo(NodeFailure.OVERLOADED);
                            assertThat(e.getMessage()).contains("memory set aside");
                        });
            }
            ScriptedNode small = node(id -> withLength(result(id, "\"0x7a69\""), "", false));
            assertThat(client(small.url()).chainId()).as("small answers take nothing").isEqualTo(31337);
        } finally {
            NodeHttp.BODIES.give(rest);
        }
        assertThat(NodeHttp.BODIES.held()).isEqualTo(before);
    }

    @Test
    void anAnswerStalledHalfwayEndsAtTheDeadlineAndItsConnectionIsNotReused() throws Exception {
        // the head and part of the body, then nothing: the connection stays open, the rest never comes
        AtomicInteger answers = new AtomicInteger();
        ScriptedNode node = node(id -> answers.getAndIncrement() == 0
                ? new ScriptedNode.Answer("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", "{\"jsonrpc\":\"2.0\",", false)
                : withLength(result(id, "\"0x7a69\""), "", false));
        Duration deadline = Duration.ofMillis(400);
        JsonRpcChainNode client = new JsonRpcChainNode(node.url(), deadline, 2, Duration.ofMillis(100));
        resources.add(client);
        long start = System.nanoTime();
        try (var onVirtualThreads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) { // as the relay calls
            onVirtualThreads.submit(() -> assertThatThrownBy(client::chainId).isInstanceOfSatisfying(NodeException.class,
                    e -> assertThat(e.failure()).isEqualTo(NodeFailure.TIMEOUT))).get(10, TimeUnit.SECONDS);
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // ended at the deadline, not before; after it by the machine's scheduling (3 s of it on a loaded machine), not never
        assertThat(elapsedMs).isGreaterThanOrEqualTo(deadline.toMillis() - 20).isLessThan(deadline.toMillis() + 3000);

        assertThat(client.chainId()).isEqualTo(31337);
        assertThat(client.chainId()).isEqualTo(31337);
        assertThat(node.connections.get()).as("the stalled connection closed, one new one kept").isEqualTo(2);
    }

    /**
     * A stop ends the calls a node holds (here sends it takes and never answers, its deadline a minute away) as timed
     * out: never as refused, since the node may have them, and never by sending them again on a new connection (the
     * pooled connection's end before any answer is not taken for one the node had closed while idle).
     */
    @Test
    void callsTheStopEndsFailAsTimedOutAtOnceAndAreNotSentAgain() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(2);
        java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        resources.add(released::countDown);
        ScriptedNode node = node(id -> {
            if (requests.getAndIncrement() > 0) {
                held.countDown();
                try {
                    released.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return withLength(result(id, "\"0x7a69\""), "", false);
        });
        JsonRpcChainNode client = new JsonRpcChainNode(node.url(), Duration.ofMinutes(1), 4, Duration.ofMillis(500));
        resources.add(client);
        assertThat(client.chainId()).as("a connection in the pool").isEqualTo(31337);
        String raw = "0x02f86c827a6980843b9aca00847735940082520894000000000000000000000000000000000000beef80c0808080";
        try (var onVirtualThreads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Throwable>> sends = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                sends.add(onVirtualThreads.submit(() -> {
                    try {
                        client.sendRawTransaction(raw);
                        return null;
                    } catch (NodeException e) {
                        return e;
                    }
                }));
            }
            assertThat(held.await(10, TimeUnit.SECONDS)).as("the node holds both sends").isTrue();
            client.endCallsWithin(Duration.ofMillis(100));
            for (var send : sends) {
                assertThat(send.get(10, TimeUnit.SECONDS)).as("ended by the stop, not at the node's minute")
                        .isInstanceOfSatisfying(NodeException.class, e -> {
                            assertThat(e.failure()).isEqualTo(NodeFailure.TIMEOUT);
                            assertThat(e.getMessage()).contains("had not answered eth_sendRawTransaction when the server's stop ended it");
                        });
            }
        }
        assertThatThrownBy(client::chainId).as("a call after the stop's end is not sent")
                .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.failure()).isEqualTo(NodeFailure.TIMEOUT));
        assertThat(requests.get()).as("requests the node got: none sent again, none after the end").isEqualTo(3);
        assertThat(node.connections.get()).isEqualTo(2);
    }

    @Test
    void anAnswerEndedByClosingTheConnectionIsRead() throws IOException {
        ScriptedNode node = node(id -> new ScriptedNode.Answer("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n",
                result(id, "\"0x7a69\""), true));
        JsonRpcChainNode client = client(node.url());
        assertThat(client.chainId()).isEqualTo(31337);
        assertThat(client.chainId()).isEqualTo(31337);
        assertThat(node.connections.get()).isEqualTo(2);
    }

    @Test
    void aNoContentAnswerIsABadResponseAtOnceNotAWaitForABody() throws IOException {
        ScriptedNode node = node(id -> new ScriptedNode.Answer("HTTP/1.1 204 No Content\r\n\r\n", "", false));
        JsonRpcChainNode client = client(node.url());
        long start = System.nanoTime();
        assertThatThrownBy(client::chainId).isInstanceOfSatisfying(NodeException.class,
                e -> assertThat(e.failure()).isEqualTo(NodeFailure.BAD_RESPONSE));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DEADLINE.minusSeconds(2));
    }

    @Test
    void somethingThatIsNotHttpIsABadResponse() throws IOException {
        ScriptedNode node = node(id -> new ScriptedNode.Answer("SSH-2.0-OpenSSH_9.2\r\n", "", true));
        JsonRpcChainNode client = client(node.url());
        assertThatThrownBy(client::chainId).isInstanceOfSatisfying(NodeException.class,
                e -> assertThat(e.failure()).isEqualTo(NodeFailure.BAD_RESPONSE));
    }

    @Test
    void endlessHeadersAreABadResponseNotUnboundedMemory() throws IOException {
        ScriptedNode node = node(id -> new ScriptedNode.Answer("HTTP/1.1 200 OK\r\n" + "X-Filler: abcdefghij\r\n".repeat(5_000), "", true));
        JsonRpcChainNode client = client(node.url());
        assertThatThrownBy(client::chainId).isInstanceOfSatisfying(NodeException.class,
                e -> assertThat(e.failure()).isEqualTo(NodeFailure.BAD_RESPONSE));
    }

    @Test
    void httpsNodesAreReachedWithTheirCertificateChecked(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("node.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=node",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", "changeit").redirectErrorStream(true).start();
        keytool.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(keys.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        List<String> authorizations = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch unstall = new java.util.concurrent.CountDownLatch(1);
        server.createContext("/", exchange -> {
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            var request = FakeRpcServer.JSON.readTree(exchange.getRequestBody().readAllBytes());
            if (request.get("method").asText().equals("eth_blockNumber")) {
                try {
                    unstall.await(30, TimeUnit.SECONDS); // no answer until the test is over
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            FakeRpcServer.result(request, exchange, "\"0x7a69\"");
        });
        server.start();
        resources.add(() -> server.stop(0));
        resources.add(unstall::countDown);
        URI url = URI.create("https://bob:pa55@127.0.0.1:" + server.getAddress().getPort() + "/");

        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, trust.getTrustManagers(), null);
        // a TLS handshake took over 5 s on a loaded machine: the checks that must succeed get time to spare
        JsonRpcChainNode trusting = new JsonRpcChainNode(url, Duration.ofSeconds(30), 2, Duration.ofMillis(500), 1 << 20, clientTls.getSocketFactory());
        resources.add(trusting);
        assertThat(trusting.chainId()).isEqualTo(31337);
        assertThat(trusting.chainId()).isEqualTo(31337);
        assertThat(authorizations).containsOnly("Basic " + java.util.Base64.getEncoder().encodeToString("bob:pa55".getBytes()));

        // the JVM's trust store does not know the node's certificate: refused, never sent in the clear
        JsonRpcChainNode withDefaultTrust = client(url);
        assertThatThrownBy(withDefaultTrust::chainId).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.failure()).isEqualTo(NodeFailure.UNREACHABLE);
            assertThat(e.getMessage()).doesNotContain("pa55");
        });
        assertThat(authorizations).hasSize(2);

        // an answer that does not come over TLS ends at the deadline too (its TCP socket is closed under the TLS one)
        JsonRpcChainNode stalled = new JsonRpcChainNode(url, DEADLINE, 2, Duration.ofMillis(500), 1 << 20, clientTls.getSocketFactory());
        resources.add(stalled);
        long start = System.nanoTime();
        assertThatThrownBy(() -> stalled.call("eth_blockNumber", "[]")).isInstanceOfSatisfying(NodeException.class,
                e -> assertThat(e.failure()).isEqualTo(NodeFailure.TIMEOUT));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DEADLINE.plusSeconds(3));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
