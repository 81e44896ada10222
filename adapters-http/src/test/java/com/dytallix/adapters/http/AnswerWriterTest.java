package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.MemoryBudget;
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

    @Test
    void theLengthIsWhatGetBytesWrites() {
        for (String s : new String[] {"", "abc", "\u00e9", "\u20ac", "\ud83d\ude00", "a\ud800b", "\udc00", "x\ud83d", BIG}) {
            assertThat(AnswerWriter.utf8Length(s)).as(s.length() > 20 ? "BIG" : s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
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
