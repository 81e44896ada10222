package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.FeeSuggestion;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonRpcChainNodeBadNodeTest {
    /** Generous for well-behaved answers on a busy machine; the hang tests use short deadlines of their own. */
    private static final Duration DEADLINE = Duration.ofSeconds(3);
    private static final Duration SHORT_DEADLINE = Duration.ofMillis(300);

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources.reversed()) {
            r.close();
        }
    }

    private FakeRpcServer server(FakeRpcServer.Behaviour behaviour) throws IOException {
        FakeRpcServer server = new FakeRpcServer(behaviour);
        resources.add(server);
        return server;
    }

    private JsonRpcChainNode node(URI url, int maxConcurrency, Duration queueWait) {
        return node(url, DEADLINE, maxConcurrency, queueWait);
    }

    private JsonRpcChainNode node(URI url, Duration deadline, int maxConcurrency, Duration queueWait) {
        JsonRpcChainNode node = new JsonRpcChainNode(url, deadline, maxConcurrency, queueWait);
        resources.add(node);
        return node;
    }

    private JsonRpcChainNode node(FakeRpcServer server) {
        return node(server.url(), 4, Duration.ofMillis(50));
    }

    private static void assertFailure(ThrowingCallable call, NodeFailure failure) {
        assertThatThrownBy(call).isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.failure()).isEqualTo(failure));
    }

    @Test
    void aWellBehavedAnswerIsRead() throws IOException {
        JsonRpcChainNode node = node(server((req, ex) -> FakeRpcServer.result(req, ex, "\"0x7a69\"")));
        assertThat(node.chainId()).isEqualTo(31337);
    }

    @Test
    void htmlInsteadOfJsonIsABadResponse() throws IOException {
        JsonRpcChainNode node = node(server((req, ex) -> FakeRpcServer.send(ex, 200, "text/html", "<html><body>Welcome to nginx</body></html>")));
        assertThatThrownBy(node::chainId).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.failure()).isEqualTo(NodeFailure.BAD_RESPONSE);
            assertThat(e.getMessage()).contains("text/html").doesNotContain("/rpc");
        });
    }

    @Test
    void truncatedJsonIsABadResponse() throws IOException {
        JsonRpcChainNode node = node(server((req, ex) -> FakeRpcServer.send(ex, 200, "application/json",
                "{\"jsonrpc\":\"2.0\",\"id\":" + req.get("id") + ",\"result\":\"0x7a")));
        assertFailure(node::chainId, NodeFailure.BAD_RESPONSE);
    }

    @Test
    void anAnswerForAnotherIdIsABadResponse() throws IOException {
        JsonRpcChainNode node = node(server((req, ex) -> FakeRpcServer.send(ex, 200, "application/json",
                "{\"jsonrpc\":\"2.0\",\"id\":" + (req.get("id").longValue() + 1000) + ",\"result\":\"0x7a69\"}")));
        assertFailure(node::chainId, NodeFailure.BAD_RESPONSE);
    }

    @Test
    void http500IsABadResponse() throws IOException {
        JsonRpcChainNode node = node(server((req, ex) -> FakeRpcServer.send(ex, 500, "text/plain", "internal error")));
        assertFailure(node::chainId, NodeFailure.BAD_RESPONSE);
    }

    @Test
    void http429IsRateLimited() throws IOException {
        JsonRpcChainNode node = node(server((req, ex) -> FakeRpcServer.send(ex, 429, "text/plain", "slow down")));
        assertFailure(node::chainId, NodeFailure.RATE_LIMITED);
    }

    @Test
    void aHangingNodeTimesOutWithinTheDeadline() throws IOException {
        JsonRpcChainNode node = node(server((req, ex) -> { }).url(), SHORT_DEADLINE, 2, Duration.ofMillis(50));
        long start = System.nanoTime();
        assertFailure(node::chainId, NodeFailure.TIMEOUT);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // ended at the deadline, not before; after it by the machine's scheduling (3 s of it on a loaded machine), not never
        assertThat(elapsedMs).isGreaterThanOrEqualTo(SHORT_DEADLINE.toMillis() - 50).isLessThan(SHORT_DEADLINE.toMillis() + 3000);
    }

    @Test
    void aRefusedConnectionIsUnreachable() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        JsonRpcChainNode node = node(URI.create("http://127.0.0.1:" + port + "/"), 2, Duration.ofMillis(50));
        assertFailure(node::chainId, NodeFailure.UNREACHABLE);
    }

    @Test
    void relayedCallsBeyondMaxConcurrencyFailFastAsOverloaded() throws Exception {
        CountDownLatch twoArrived = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        FakeRpcServer server = server((req, ex) -> {
            twoArrived.countDown();
            FakeRpcServer.holdUntil(release);
            FakeRpcServer.result(req, ex, "\"0x7a69\"");
        });
        JsonRpcChainNode node = new JsonRpcChainNode(server.url(), Duration.ofSeconds(5), 2, Duration.ofMillis(100));
        resources.add(node);
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            Future<Long> first = callers.submit(node::chainId);
            Future<Long> second = callers.submit(node::chainId);
            assertThat(twoArrived.await(5, TimeUnit.SECONDS)).isTrue();

            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                assertFailure(() -> node.call("eth_chainId", "[]"), NodeFailure.OVERLOADED);
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(90).isLessThan(2000);
                assertThat(Thread.currentThread().isInterrupted()).as("the wait's end leaves no interrupt behind").isFalse();
            }
            assertThat(server.requests()).isEqualTo(2);

            release.countDown();
            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(31337);
            assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo(31337);
            assertThat(node.chainId()).isEqualTo(31337);
        } finally {
            release.countDown();
            callers.shutdownNow();
        }
    }

    /**
     * The server's own calls, unlike a relayed one, wait for a slot past the short queue wait (within their deadline):
     * a send refused would leave a nonce the node lacks, and every later nonce of its key queued behind it (the soak at
     * 300 grants/s: thousands of sends refused OVERLOADED while the node answered slower); a tracker read refused
     * stalled its pass. A relayed call refused costs its client a retry.
     */
    @Test
    void theServersOwnSendsAndReadsWaitForASlotPastTheQueueWaitWhileARelayedCallIsRefused() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeRpcServer server = server((req, ex) -> {
            if (req.get("method").asText().equals("eth_chainId")) {
                arrived.countDown();
                FakeRpcServer.holdUntil(release);
                FakeRpcServer.result(req, ex, "\"0x7a69\"");
            } else if (req.get("method").asText().equals("eth_getTransactionCount")) {
                FakeRpcServer.result(req, ex, "\"0xab\"");
            } else {
                FakeRpcServer.result(req, ex, "\"0x" + "ab".repeat(32) + "\"");
            }
        });
        JsonRpcChainNode node = new JsonRpcChainNode(server.url(), Duration.ofSeconds(5), 1, Duration.ofMillis(100));
        resources.add(node);
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Long> holder = callers.submit(node::chainId);
            assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();
            Future<TxHash> send = callers.submit(() -> node.sendRawTransaction("0x01"));
            Future<Long> read = callers.submit(() -> node.minedNonce(new Address("0x" + "11".repeat(20))));
            assertFailure(() -> node.call("eth_chainId", "[]"), NodeFailure.OVERLOADED);
            // with a deadline of its own (a caller's shorter one), half of what is left: refused for want of a slot,
            // not timed out with no time left for the node (a timeout counts the node down)
            long start = System.nanoTime();
            assertFailure(() -> CallDeadline.within(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000),
                    () -> node.minedNonce(new Address("0x" + "22".repeat(20)))), NodeFailure.OVERLOADED);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(490).isLessThan(950);
            Thread.sleep(300); // three queue waits
            assertThat(send).as("still waiting for the slot").isNotDone();
            assertThat(read).as("still waiting for the slot").isNotDone();
            release.countDown();
            assertThat(holder.get(5, TimeUnit.SECONDS)).isEqualTo(31337);
            assertThat(send.get(5, TimeUnit.SECONDS).value()).isEqualTo("0x" + "ab".repeat(32));
            assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(0xab);
        } finally {
            release.countDown();
        }
    }

    @Test
    void relayedCallsWaitingForASlotGetOneInTurnWhenItFreesWithinTheWait() throws Exception {
        CountDownLatch firstArrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger answered = new AtomicInteger();
        FakeRpcServer server = server((req, ex) -> {
            if (answered.getAndIncrement() == 0) {
                firstArrived.countDown();
                FakeRpcServer.holdUntil(release);
            }
            FakeRpcServer.result(req, ex, "\"0x7a69\"");
        });
        JsonRpcChainNode node = new JsonRpcChainNode(server.url(), Duration.ofSeconds(5), 1, Duration.ofSeconds(5));
        resources.add(node);
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Long> first = callers.submit(node::chainId);
            assertThat(firstArrived.await(5, TimeUnit.SECONDS)).isTrue();
            List<Future<Boolean>> waiting = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                waiting.add(callers.submit(() -> node.call("eth_chainId", "[]").text().equals("\"0x7a69\"")
                        && !Thread.currentThread().isInterrupted()));
            }
            Thread.sleep(200); // all four wait for the one slot
            release.countDown();
            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(31337);
            for (Future<Boolean> w : waiting) {
                assertThat(w.get(5, TimeUnit.SECONDS)).isTrue();
            }
        }
        assertThat(server.requests()).isEqualTo(5);
    }

    @Test
    void manyTimeoutsLeakNoThreadsAndNoSlots() throws Exception {
        FakeRpcServer server = server((req, ex) -> { });
        JsonRpcChainNode node = node(server.url(), Duration.ofMillis(250), 2, Duration.ofSeconds(1));
        assertFailure(node::chainId, NodeFailure.TIMEOUT);
        int before = Thread.activeCount();

        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> rounds = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                rounds.add(callers.submit(() -> assertFailure(node::chainId, NodeFailure.TIMEOUT)));
            }
            for (Future<?> round : rounds) {
                round.get(30, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
            callers.awaitTermination(5, TimeUnit.SECONDS);
        }

        // Every slot came back: with MAX_CONCURRENCY=2 a leaked slot would show as OVERLOADED. The
        // short deadline may still catch a slow first connection on a busy machine, so a few tries.
        server.behave((req, ex) -> FakeRpcServer.result(req, ex, "\"0x1\""));
        int answered = 0;
        for (int attempt = 0; attempt < 10 && answered < 2; attempt++) {
            try {
                assertThat(node.chainId()).isEqualTo(1);
                answered++;
            } catch (NodeException e) {
                assertThat(e.failure()).isEqualTo(NodeFailure.TIMEOUT);
            }
        }
        assertThat(answered).isEqualTo(2);
        // a leak would grow with the 24 timed-out calls; the client's small idle pool does not
        assertThat(Thread.activeCount()).isLessThanOrEqualTo(before + 6);
    }

    @Test
    void oversizedAnswersAreRefusedAndTheClientKeepsWorking() throws Exception {
        // a huge eth_getLogs answer, declared (Content-Length) or streamed (chunked), then a normal one
        String huge = "\"0x" + "ab".repeat(40_000) + "\"";
        FakeRpcServer server = server((req, ex) -> {
            String method = req.get("method").asText();
            if (method.equals("eth_getLogs")) {
                FakeRpcServer.result(req, ex, huge);
            } else if (method.equals("eth_getBlockReceipts")) {
                byte[] chunk = ("{\"jsonrpc\":\"2.0\",\"id\":" + req.get("id") + ",\"result\":\"0x").getBytes();
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, 0);
                try (var out = ex.getResponseBody()) {
                    out.write(chunk);
                    byte[] filler = "ab".repeat(8_000).getBytes();
                    for (int i = 0; i < 100; i++) {
                        out.write(filler);
                    }
                    out.write("\"}".getBytes());
                } catch (IOException closedByClient) {
                    // the client stops reading at its limit and drops the connection
                }
            } else {
                FakeRpcServer.result(req, ex, "\"0x7a69\"");
            }
        });
        JsonRpcChainNode node = new JsonRpcChainNode(server.url(), DEADLINE, 4, Duration.ofMillis(500), 64 * 1024);
        resources.add(node);
        ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String method = i % 2 == 0 ? "eth_getLogs" : "eth_getBlockReceipts";
                String params = i % 2 == 0 ? "[{}]" : "[\"latest\"]";
                calls.add(callers.submit(() -> assertThatThrownBy(() -> node.call(method, params))
                        .isInstanceOfSatisfying(NodeException.class, e -> {
                            assertThat(e.failure()).isEqualTo(NodeFailure.RESPONSE_TOO_LARGE);
                            assertThat(e.rpcCode()).contains(-32000);
                            assertThat(e.getMessage()).contains("larger than 65536 bytes");
                        })));
            }
            for (Future<?> call : calls) {
                call.get(30, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
        }
        for (int i = 0; i < 10; i++) {
            assertThat(node.chainId()).isEqualTo(31337);
        }
        assertThat(node.call("eth_chainId", "[]").text()).isEqualTo("\"0x7a69\"");
    }

    @Test
    void aRelayedResultIsTheNodesOwnBytes() throws IOException {
        String result = "{ \"b\" : [1, 2.50, \"\\u00e9\"],\"a\":null }";
        JsonRpcChainNode node = node(server((req, ex) -> FakeRpcServer.send(ex, 200, "application/json",
                "{\"id\":" + req.get("id") + ", \"result\" :" + result + " , \"jsonrpc\":\"2.0\"}")));
        assertThat(node.call("eth_getBlockByNumber", "[\"0x1\",false]").text()).isEqualTo(result);
    }

    @Test
    void credentialsInTheUrlAreSentAsBasicAuthAndNeverShown() throws IOException {
        List<String> authorizations = new java.util.concurrent.CopyOnWriteArrayList<>();
        FakeRpcServer server = server((req, ex) -> {
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            FakeRpcServer.result(req, ex, "\"0x7a69\"");
        });
        URI withSecret = URI.create("http://alice:s3cret@127.0.0.1:" + server.url().getPort() + "/rpc/key-abc123");
        JsonRpcChainNode node = node(withSecret, 2, Duration.ofMillis(50));
        assertThat(node.chainId()).isEqualTo(31337);
        assertThat(authorizations).containsExactly("Basic " + java.util.Base64.getEncoder().encodeToString("alice:s3cret".getBytes()));
        assertThat(node.name()).isEqualTo("http://127.0.0.1:" + server.url().getPort());
        assertThat(node.toString()).doesNotContain("s3cret", "alice", "key-abc123");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "-32000|nonce too low: next nonce 5, tx nonce 4|NONCE_TOO_LOW",
            "-32003|Nonce too high|NONCE_TOO_HIGH",
            "-32000|replacement transaction underpriced|REPLACEMENT_UNDERPRICED",
            "-32000|transaction underpriced|UNDERPRICED",
            "-32000|max fee per gas less than block base fee: address 0x1, maxFeePerGas: 1, baseFee: 7|UNDERPRICED",
            "-32003|insufficient funds for gas * price + value|INSUFFICIENT_FUNDS",
            "-32000|invalid chain id for signer|WRONG_CHAIN_ID",
            "-32000|intrinsic gas too low|INTRINSIC_GAS",
            "-32602|rlp: expected input list for types.LegacyTx|INVALID_TRANSACTION",
            "-32000|invalid sender|INVALID_TRANSACTION",
            "-32005|daily request rate limit exceeded|RATE_LIMITED",
            "3|execution reverted|RPC_ERROR"})
    void nodeErrorsAreClassifiedByTheirWords(int code, String message, NodeFailure expected) throws IOException {
        JsonRpcChainNode node = node(server((req, ex) -> FakeRpcServer.error(req, ex, code, message, "\"0xdead\"")));
        assertThatThrownBy(() -> node.sendRawTransaction("0x02")).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.failure()).isEqualTo(expected);
            assertThat(e.getMessage()).isEqualTo(message);
            assertThat(e.rpcCode()).contains(code);
            assertThat(e.rpcDataJson()).contains("\"0xdead\"");
        });
    }

    @Test
    void alreadyKnownMeansSentAndGivesTheHashOfTheBytes() throws IOException {
        SignedTransaction signed = Secp256k1Key.generate().sign(new UnsignedTransaction(1, 0,
                new Address("0x3535353535353535353535353535353535353535"), Wei.of(1), 21_000, new Fees.Legacy(Wei.of(1))));
        JsonRpcChainNode node = node(server((req, ex) -> FakeRpcServer.error(req, ex, -32000, "already known", null)));
        TxHash hash = node.sendRawTransaction(signed.rawHex());
        assertThat(hash).isEqualTo(signed.hash());
    }

    @Test
    void relayedCallsKeepTheNodesErrorAsRpcErrorAndReturnResultsAsJson() throws IOException {
        JsonRpcChainNode node = node(server((req, ex) -> {
            if (req.get("method").asText().equals("eth_getBalance")) {
                assertThat(req.get("params").toString()).isEqualTo("[\"0x00000000000000000000000000000000000000ab\",\"latest\"]");
                FakeRpcServer.result(req, ex, "{\"a\":[1,2,{\"b\":null}]}");
            } else {
                FakeRpcServer.error(req, ex, -32000, "nonce too low", "{\"x\":1}");
            }
        }));
        assertThat(node.call("eth_getBalance", "[\"0x00000000000000000000000000000000000000ab\",\"latest\"]").text()).isEqualTo("{\"a\":[1,2,{\"b\":null}]}");
        assertThatThrownBy(() -> node.call("eth_sendRawTransaction", "[\"0x00\"]")).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.failure()).isEqualTo(NodeFailure.RPC_ERROR);
            assertThat(e.rpcCode()).contains(-32000);
            assertThat(e.getMessage()).isEqualTo("nonce too low");
            assertThat(e.rpcDataJson()).contains("{\"x\":1}");
        });
        // params the relay could not have sent are "invalid params", never an unexpected exception (a 500)
        assertThatThrownBy(() -> node.call("eth_blockNumber", "not json")).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.failure()).isEqualTo(NodeFailure.RPC_ERROR);
            assertThat(e.rpcCode()).contains(-32602);
        });
    }

    /** Fails on the code before: the data went through a tree and came out 1.5, 100.0, "café". */
    @Test
    void aRelayedErrorsDataIsTheNodesOwnText() throws IOException {
        String data = "{\"z\":[1.50,-0.0,1E+2,{\"b\":null}],\"a\":123456789012345678901234567890,"
                + "\"s\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\/\" , \"n\" : 7 }";
        JsonRpcChainNode node = node(server((req, ex) -> FakeRpcServer.error(req, ex, 3, "execution reverted", data)));
        assertThatThrownBy(() -> node.call("eth_call", "[{},\"latest\"]")).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.rpcCode()).contains(3);
            assertThat(e.rpcDataJson()).contains(data);
        });
        for (String scalar : new String[] {"\"0x08c379a0\"", "1e400", "[]", "-12.500"}) {
            JsonRpcChainNode other = node(server((req, ex) -> FakeRpcServer.error(req, ex, 3, "execution reverted", scalar)));
            assertThatThrownBy(() -> other.call("eth_call", "[{},\"latest\"]"))
                    .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.rpcDataJson()).contains(scalar));
        }
        JsonRpcChainNode none = node(server((req, ex) -> FakeRpcServer.error(req, ex, 3, "execution reverted", "null")));
        assertThatThrownBy(() -> none.call("eth_call", "[{},\"latest\"]"))
                .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.rpcDataJson()).isEmpty());
    }

    /** Data whose bytes are not UTF-8 is not JSON: a bad response, never a mangled pass-through. */
    @Test
    void anErrorWhoseDataIsNotUtf8IsABadResponse() throws IOException {
        JsonRpcChainNode node = node(server((req, ex) -> {
            byte[] head = ("{\"jsonrpc\":\"2.0\",\"id\":" + req.get("id") + ",\"error\":{\"code\":3,\"message\":\"x\",\"data\":\"")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] body = java.util.Arrays.copyOf(head, head.length + 4);
            body[head.length] = (byte) 0xc3; // a lead byte followed by no continuation
            body[head.length + 1] = '"';
            body[head.length + 2] = '}';
            body[head.length + 3] = '}';
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (var out = ex.getResponseBody()) {
                out.write(body);
            }
        }));
        assertThatThrownBy(() -> node.call("eth_call", "[{},\"latest\"]"))
                .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.failure()).isEqualTo(NodeFailure.BAD_RESPONSE));
    }

    @Test
    void feesFallBackWhenTheNodeLacksMaxPriorityFeePerGas() throws IOException {
        JsonRpcChainNode node = node(server((req, ex) -> {
            switch (req.get("method").asText()) {
                case "eth_getBlockByNumber" -> FakeRpcServer.result(req, ex,
                        "{\"number\":\"0x10\",\"timestamp\":\"0x6553f100\",\"baseFeePerGas\":\"0x3b9aca00\"}");
                case "eth_gasPrice" -> FakeRpcServer.result(req, ex, "\"0x77359400\"");
                default -> FakeRpcServer.error(req, ex, -32601, "the method eth_maxPriorityFeePerGas does not exist/is not available", null);
            }
        }));
        assertThat(node.fees()).isEqualTo(new FeeSuggestion(Optional.of(Wei.of(1_000_000_000L)), Wei.of(1_000_000_000L), Wei.of(2_000_000_000L)));
    }

    @Test
    void blockIntervalsComeFromOneBatch() throws IOException {
        FakeRpcServer server = server((req, ex) -> {
            if (req.isArray()) {
                StringBuilder out = new StringBuilder("[");
                // answer in reverse order: results must still be matched by id
                for (int i = req.size() - 1; i >= 0; i--) {
                    long n = Long.decode(req.get(i).get("params").get(0).asText());
                    long timestamp = 1_700_000_000L + n * 2 + (n == 9 ? 3 : 0);
                    out.append("{\"jsonrpc\":\"2.0\",\"id\":").append(req.get(i).get("id")).append(",\"result\":{\"number\":\"0x")
                            .append(Long.toHexString(n)).append("\",\"timestamp\":\"0x").append(Long.toHexString(timestamp)).append("\"}}");
                    out.append(i == 0 ? "]" : ",");
                }
                FakeRpcServer.send(ex, 200, "application/json", out.toString());
            } else {
                FakeRpcServer.result(req, ex, "\"0x9\"");
            }
        });
        JsonRpcChainNode node = node(server);
        assertThat(node.recentBlockIntervals(3)).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(5));
        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void theChainIdCheckNamesBothIds() throws IOException {
        JsonRpcChainNode node = node(server((req, ex) -> FakeRpcServer.result(req, ex, "\"0x5\"")));
        assertThat(ChainIdCheck.verify(node, Optional.empty())).isEqualTo(5);
        assertThat(ChainIdCheck.verify(node, Optional.of(5L))).isEqualTo(5);
        assertThatThrownBy(() -> ChainIdCheck.verify(node, Optional.of(31337L)))
                .isInstanceOf(ChainIdCheck.ChainIdMismatchException.class)
                .hasMessage("node chain id 5 does not match CHAIN_ID 31337");
    }
}
