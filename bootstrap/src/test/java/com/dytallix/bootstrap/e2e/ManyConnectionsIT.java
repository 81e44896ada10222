package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ServerProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections that never send a byte, against the packaged server with the shipped heap (128 MiB) and
 * the default limits. Before connections were limited, about 6,300 of them from one client filled the
 * heap (Helidon holds ~24 KB for each) and the process exited; now one client gets its 128, everyone
 * together 1,500, the rest are answered at once and closed, and the server stays up.
 */
class ManyConnectionsIT {
    @TempDir
    Path dir;

    @Test
    void idleConnectionsFromOneClientOrFromManyCannotTakeTheServerDown() throws Exception {
        int port = ServerProcess.freePort();
        try (ServerProcess server = ServerProcess.start(dir, port, Map.of("DEV_BLOCK_TIME_MS", "1000"), ServerProcess.shippedMemoryOptions())) {
            List<Socket> held = new ArrayList<>();
            try {
                // one client: 200 connections, 128 let in (not 127.0.0.1, which the readiness probe's connection may still count against)
                for (int i = 0; i < 200; i++) {
                    held.add(connect(port, "127.0.0.2"));
                }
                assertThat(answers(held)).as("what each of one client's 200 connections got")
                        .containsEntry("none", 128L).containsEntry("429", 72L);
                held.removeIf(Socket::isClosed);

                // many clients: 14 more addresses with 100 each, 1,528 in all; 1,500 let in (the probe's connection among them, if still open)
                List<Socket> crowd = new ArrayList<>();
                for (int c = 3; c < 17; c++) {
                    for (int i = 0; i < 100; i++) {
                        crowd.add(connect(port, "127.0.0." + c));
                    }
                }
                held.addAll(crowd);
                Map<String, Long> crowdGot = answers(crowd);
                assertThat(crowdGot.keySet()).as("what the crowd's connections got: %s", crowdGot).containsOnly("none", "503");
                assertThat(crowdGot.get("none")).as("let in: %s", crowdGot).isBetween(1_371L, 1_372L);
                held.removeIf(Socket::isClosed);
                assertThat(firstLine(connect(port, "127.0.0.99"))).as("a newcomer while the server is full").startsWith("HTTP/1.1 503 ");
                assertThat(server.awaitExit(Duration.ofMillis(100))).as("still running: %s", server.logTail()).isEmpty();
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (server.http.get("/healthz").status() != 200 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(server.http.get("/healthz").status()).as("served again once they close").isEqualTo(200);
            assertThat(server.logTail()).doesNotContain("OutOfMemoryError");
        }
    }

    private static Socket connect(int port, String from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return socket;
    }

    /**
     * Counts, per answer status, what the connections got within a few seconds without sending anything:
     * "none" for a connection let in (the server waits for its request); a refused one is closed here.
     */
    private static Map<String, Long> answers(List<Socket> sockets) throws Exception {
        List<Future<String>> answers = new ArrayList<>();
        try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Socket socket : sockets) {
                answers.add(readers.submit(() -> {
                    socket.setSoTimeout(8_000);
                    try {
                        String line = firstLineOf(socket.getInputStream());
                        socket.close();
                        return line.isEmpty() ? "closed" : line.split(" ")[1];
                    } catch (SocketTimeoutException letIn) {
                        return "none";
                    }
                }));
            }
        }
        Map<String, Long> counts = new java.util.TreeMap<>();
        for (Future<String> answer : answers) {
            counts.merge(answer.get(), 1L, Long::sum);
        }
        return counts;
    }

    private static String firstLine(Socket socket) throws IOException {
        try (socket) {
            socket.setSoTimeout(10_000);
            return firstLineOf(socket.getInputStream());
        }
    }

    private static String firstLineOf(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\r'; b = in.read()) {
            line.append((char) b);
        }
        return line.toString();
    }
}
