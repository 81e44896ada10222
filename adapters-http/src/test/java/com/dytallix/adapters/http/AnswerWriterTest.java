package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.MemoryBudget;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The relay's large answers: written whole to clients that read, cut off from clients that stop
 * reading, and refused as busy when the memory for answers being written is taken.
 */
class AnswerWriterTest {
    /** Six megabytes of hex (more than loopback's socket buffers hold), then a character of each UTF-8 length. */
    private static final String BIG = "\"0x" + "ab".repeat(3_000_000) + "\u00e9\u20ac\ud83d\ude00\"";
    private static final String CALL = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_call\",\"params\":[{},\"latest\"]}";

    private static TestApi start() {
        TestApi api = TestApi.start(o -> o.readTimeout = Duration.ofSeconds(1));
        api.chain.relay = (method, params) -> BIG;
        return api;
    }

    @Test
    void aLargeAnswerArrivesWholeWithItsLength() {
        try (TestApi api = start()) {
            var standard = api.postJson("/api/rpc", CALL);
            assertThat(standard.status()).isEqualTo(200);
            assertThat(standard.body()).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":" + BIG + "}");
            assertThat(standard.header("Content-Length")).contains(Long.toString(
                    standard.body().getBytes(StandardCharsets.UTF_8).length));
            var simple = api.postJson("/api/rpc", "{\"method\":\"eth_call\",\"params\":[{},\"latest\"]}");
            assertThat(simple.body()).isEqualTo("{\"result\":" + BIG + "}");
            assertThat(AnswerWriter.WRITING.held()).isZero();
        }
    }

    /**
     * An answer of characters of every UTF-8 length throughout: the 64K-character pieces end inside
     * three-byte characters' runs and beside surrogate pairs, and the Content-Length counted before
     * the first piece is what the pieces add up to.
     */
    @Test
    void aMultiByteAnswerArrivesWholeWithItsLength() {
        // 7 characters, 13 bytes; after the 34 characters before it, a pair straddles the fifth piece's end
        String multi = "\"" + "a\u00e9\u20ac\ud83d\ude00b\u0416".repeat(80_000) + "\"";
        try (TestApi api = TestApi.start(o -> o.readTimeout = Duration.ofSeconds(1))) {
            api.chain.relay = (method, params) -> multi;
            var standard = api.postJson("/api/rpc", CALL);
            assertThat(standard.status()).isEqualTo(200);
            String expected = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":" + multi + "}";
            assertThat(standard.body()).isEqualTo(expected);
            assertThat(standard.header("Content-Length")).contains(Long.toString(expected.getBytes(StandardCharsets.UTF_8).length));
            assertThat(AnswerWriter.WRITING.held()).isZero();
        }
    }

    @Test
    void aClientThatStopsReadingIsCutOffAndItsMemoryGivenBackWhileOthersAreAnswered() throws Exception {
        try (TestApi api = start()) {
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket s = new Socket();
                    s.setReceiveBufferSize(4096);
                    s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), api.port()));
                    byte[] body = CALL.getBytes(StandardCharsets.UTF_8);
                    s.getOutputStream().write(("POST /api/rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                            + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().write(body);
                    stalled.add(s);
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (AnswerWriter.WRITING.held() < 3L * BIG.length() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(AnswerWriter.WRITING.held()).as("three answers being written").isGreaterThanOrEqualTo(3L * BIG.length());

                assertThat(api.postJson("/api/rpc", CALL).body()).endsWith(BIG + "}");

                // a piece left unread for the read timeout (1 s) ends the connection and gives the memory back
                deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (AnswerWriter.WRITING.held() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(AnswerWriter.WRITING.held()).isZero();
                for (Socket s : stalled) {
                    assertThat(readAll(s)).as("the answer was cut short").isLessThan(BIG.length());
                }
            } finally {
                for (Socket s : stalled) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aClientTakingALargeAnswerTooSlowlyInAllIsCutAtTheBoundAndAReaderOfTheSameAnswerIsNot() throws Exception {
        String answer = "\"0x" + "ab".repeat(1_500_000) + "\""; // 3 MB
        // pieces may wait 2 s each; the whole answer 2 s plus its size at 1 MiB/s: about 4.9 s
        AnswerWriter writer = new AnswerWriter(Duration.ofSeconds(2), 1 << 20);
        Duration allowed = Duration.ofNanos(writer.allowedNanos(answer.length()));
        // small socket buffers, so that what the client has not read yet is still the server's to write
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .connectionOptions(SocketOptions.builder().socketSendBufferSize(64 * 1024).build())
                .routing(r -> r.get("/", (req, res) -> {
                    AnswerBody body = AnswerBody.of(answer.getBytes(StandardCharsets.US_ASCII));
                    assertThat(writer.take(body)).isTrue();
                    writer.write(res, Status.OK_200, body);
                }))
                .build()
                .start();
        try {
            long started = System.nanoTime();
            Read normal = read(server.port(), 0);
            assertThat(normal.bytes()).as("the whole answer").isGreaterThan(answer.length());
            assertThat(normal.took()).isLessThan(allowed);

            // 32 KiB every 100 ms: every piece taken well within its 2 s, but at most 320 KiB/s in all,
            // which would take the answer whole in about 9.4 s
            Read slow = read(server.port(), 100);
            assertThat(slow.bytes()).as("the answer was cut short").isLessThan(answer.length());
            assertThat(slow.took()).as("cut at the bound, not before").isGreaterThan(allowed.multipliedBy(8).dividedBy(10))
                    .isLessThan(allowed.plusSeconds(3));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (AnswerWriter.WRITING.held() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(AnswerWriter.WRITING.held()).as("its memory given back").isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        } finally {
            server.stop();
        }
    }

    private record Read(long bytes, Duration took) {
    }

    /** GET / on a fresh connection with a small receive buffer, 32 KiB at a time with {@code pauseMillis} between reads, until the whole answer is in or the server closes. */
    private static Read read(int port, long pauseMillis) throws IOException, InterruptedException {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024);
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            s.setSoTimeout(20_000);
            long started = System.nanoTime();
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[32 * 1024];
            long total = 0;
            long expected = Long.MAX_VALUE;
            StringBuilder head = new StringBuilder();
            try {
                for (int n; total < expected && (n = in.read(buffer)) > 0; ) {
                    total += n;
                    if (expected == Long.MAX_VALUE && head.length() < 4096) {
                        head.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                        int end = head.indexOf("\r\n\r\n");
                        var length = java.util.regex.Pattern.compile("(?im)^content-length: *(\\d+)").matcher(head);
                        if (end > 0 && length.find() && length.start() < end) {
                            expected = end + 4 + Long.parseLong(length.group(1)); // the whole answer: Helidon keeps the connection open after it
                        }
                    }
                    if (pauseMillis > 0) {
                        Thread.sleep(pauseMillis);
                    }
                }
            } catch (SocketException reset) {
                // cut by the server with bytes still unread here
            }
            return new Read(total, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    @Test
    void aLargeAnswerThatDoesNotFitIsRefusedAsBusyAndSmallOnesStillGoOut() {
        try (TestApi api = start()) {
            long taken = AnswerWriter.WRITING.max() - BIG.length() + 1;
            assertThat(AnswerWriter.WRITING.take(taken)).isTrue();
            try {
                var standard = api.postJson("/api/rpc", CALL);
                assertThat(standard.status()).isEqualTo(503);
                assertThat(standard.header("Retry-After")).contains("1");
                assertThat(standard.json().get("error").get("code").asInt()).isEqualTo(JsonRpcRelay.LIMIT_EXCEEDED);
                assertThat(standard.json().get("error").get("message").asText()).contains("busy writing other large answers");
                var simple = api.postJson("/api/rpc", "{\"method\":\"eth_call\",\"params\":[{},\"latest\"]}");
                assertThat(simple.status()).isEqualTo(503);
                assertThat(simple.json().get("code").asText()).isEqualTo("NODE_UNAVAILABLE");

                api.chain.relay = TestApi.ANSWER;
                assertThat(api.postJson("/api/rpc", CALL).json().get("result").asText()).isEqualTo("0x10");
            } finally {
                AnswerWriter.WRITING.give(taken);
            }
            assertThat(AnswerWriter.WRITING.held()).isZero();
        }
    }

    /**
     * An answer of three pieces and a short fourth, every position different: each piece is its own slice of the
     * node's bytes, the short last piece only its own, and the envelope's two ends go around them.
     */
    @Test
    void anAnswerArrivesWholeAcrossItsPieces() {
        StringBuilder hex = new StringBuilder("\"0x");
        for (int i = 0; hex.length() < 3 * 64 * 1024 + 7; i++) {
            hex.append(Integer.toHexString(i)); // 0123456789abcdef10111213…: no two pieces alike
        }
        String answer = hex.append('"').toString();
        try (TestApi api = TestApi.start(o -> o.readTimeout = Duration.ofSeconds(1))) {
            api.chain.relay = (method, params) -> answer;
            var standard = api.postJson("/api/rpc", CALL);
            assertThat(standard.status()).isEqualTo(200);
            String expected = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":" + answer + "}";
            assertThat(expected.length() % (64 * 1024)).as("a short last piece").isNotZero();
            assertThat(standard.body()).isEqualTo(expected);
            assertThat(standard.header("Content-Length")).contains(Integer.toString(expected.length()));
            assertThat(AnswerWriter.WRITING.held()).isZero();
        }
    }

    /** Reads until the server closes the connection (or resets it); the bytes that arrived. */
    private static long readAll(Socket s) throws IOException {
        s.setSoTimeout(20_000);
        InputStream in = s.getInputStream();
        byte[] buffer = new byte[65536];
        long total = 0;
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
            }
        } catch (SocketException reset) {
            // closed by the server while data was still unread here
        }
        return total;
    }

    @Test
    void largeAnswersAndWebSocketFramesArePartsOfOneBudgetForTheProcess() {
        long heap = Runtime.getRuntime().maxMemory();
        MemoryBudget other = MemoryBudget.partOfProcess(heap);
        assertThat(PieceLimitedWsUpgrade.FRAMES.take(heap / 4)).isTrue();
        assertThat(AnswerWriter.WRITING.take(heap / 8)).isTrue();
        try {
            // half the heap for all buffers: with a quarter and an eighth taken, an eighth is left
            assertThat(other.take(heap / 8 + 1024)).isFalse();
            assertThat(other.take(heap / 8 - 1024)).isTrue();
            other.give(heap / 8 - 1024);
        } finally {
            AnswerWriter.WRITING.give(heap / 8);
            PieceLimitedWsUpgrade.FRAMES.give(heap / 4);
        }
        assertThat(other.take(heap / 2 - 1024)).as("all given back").isTrue();
        other.give(heap / 2 - 1024);
    }
}
