package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.ServerProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay's large answers against the packaged server with the shipped heap (128 MiB): a contract
 * whose call returns 4 MB (an 8 MB answer, within RPC_MAX_RESPONSE_BYTES), asked for by clients that
 * never read it and by many clients at once. Before the answers' memory was bounded, ten such
 * clients filled the heap and the process exited; now it stays up and answers everyone else.
 */
class LargeAnswersIT {
    private static final String CONTRACT = "0x" + "0".repeat(36) + "b16b";
    private static final String CALL = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{\"to\":\"" + CONTRACT
            + "\",\"gas\":\"0x3b9aca00\"},\"latest\"]}";

    @TempDir
    Path dir;

    @Test
    void clientsThatDoNotReadAndCrowdsOfLargeAnswersCannotTakeTheServerDown() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start(List.of())) {
            // PUSH3 4000000 PUSH1 0 RETURN: four million zero bytes
            anvil.rpc("anvil_setCode", "[\"" + CONTRACT + "\",\"0x623d09006000f3\"]");
            Map<String, String> settings = LiveServer.settingsFor(anvil);
            settings.put("HTTP_READ_TIMEOUT_MS", "2000");
            int port = ServerProcess.freePort();
            try (ServerProcess server = ServerProcess.start(dir, port, settings, ServerProcess.shippedMemoryOptions())) {
                List<Socket> stalled = new ArrayList<>();
                try {
                    for (int i = 0; i < 12; i++) {
                        stalled.add(askAndDoNotRead(port));
                    }
                    // the stalled clients' answers start before the crowd asks: otherwise, on a slow machine, the crowd's answers
                    // could take all the memory for large answers first and every stalled client got a refusal instead (all twelve did in CI)
                    List<String> statuses = new ArrayList<>();
                    for (Socket s : stalled) {
                        statuses.add(new String(s.getInputStream().readNBytes(STATUS_LINE), StandardCharsets.ISO_8859_1));
                    }
                    assertThat(statuses).as("stalled clients' status lines").contains("HTTP/1.1 200");
                    Set<String> outcomes = ConcurrentHashMap.newKeySet();
                    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                    try (ExecutorService crowd = Executors.newVirtualThreadPerTaskExecutor()) {
                        for (int i = 0; i < 10; i++) {
                            crowd.submit(() -> {
                                for (int j = 0; j < 2; j++) {
                                    outcomes.add(outcome(http, port));
                                }
                                return null;
                            });
                        }
                    }
                    assertThat(server.awaitExit(Duration.ofMillis(100))).as("still running: %s", server.logTail()).isEmpty();
                    // a loaded machine's anvil may take longer than NODE_TIMEOUT_MS to produce some of them: 504, honestly
                    assertThat(outcomes).as("every answer whole or a busy refusal").isSubsetOf("200 whole", "503 busy", "504 node timeout");

                    // a stalled client is cut off mid-answer once a piece waits HTTP_READ_TIMEOUT_MS (2 s), which gives its
                    // memory back to everyone else (an answer that started late may still be within its time: it then arrives)
                    Thread.sleep(5_000);
                    List<Long> received = new ArrayList<>();
                    try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
                        List<java.util.concurrent.Future<Long>> reads = stalled.stream().map(s -> readers.submit(() -> readUntilClosed(s))).toList();
                        for (var read : reads) {
                            received.add(STATUS_LINE + read.get());
                        }
                    }
                    assertThat(received).as("bytes each stalled client got").anyMatch(n -> n > 100_000 && n < 8_000_000);
                    assertThat(outcome(http, port)).isEqualTo("200 whole");
                    assertThat(server.http.get("/healthz").status()).isEqualTo(200);
                    assertThat(server.logTail()).doesNotContain("OutOfMemoryError").doesNotContain("Unable to reset response");
                } finally {
                    for (Socket s : stalled) {
                        s.close();
                    }
                }
            }
        }
    }

    /** The bytes of "HTTP/1.1 200", which a stalled client reads before the crowd asks. */
    private static final int STATUS_LINE = 12;

    /** Sends the call on a socket with a tiny receive window and reads nothing (its status line aside). */
    private static Socket askAndDoNotRead(int port) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.setSoTimeout(60_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        byte[] body = CALL.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(("POST /api/rpc HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().write(body);
        return s;
    }

    private static String outcome(HttpClient http, int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/rpc"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CALL)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().length() == 8_000_000 + 38 && r.body().endsWith("00\"}")) {
            return "200 whole";
        }
        if (r.statusCode() == 503 && r.headers().firstValue("Retry-After").isPresent() && r.body().contains("busy")) {
            return "503 busy";
        }
        if (r.statusCode() == 504 && r.body().contains("RPC_TIMEOUT")) {
            return "504 node timeout";
        }
        return r.statusCode() + " " + r.body().substring(0, Math.min(200, r.body().length()));
    }

    /** What arrives until the server closes the connection, or until it stays quiet for 5 s (a busy 503 keeps it open). */
    private static long readUntilClosed(Socket s) throws IOException {
        s.setSoTimeout(5_000);
        InputStream in = s.getInputStream();
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
            }
        } catch (java.net.SocketTimeoutException quiet) {
            // answered (busy) and kept open
        } catch (java.net.SocketException reset) {
            // cut by the server
        }
        return total;
    }
}
