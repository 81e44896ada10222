package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.Fatal;
import com.dytallix.bootstrap.testing.ServerProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Out of memory, the server process exits non-zero (for systemd's Restart=on-failure) instead of
 * serving on with dead threads: the packaged server, a small heap, a body limit an operator set
 * far too high, and one request that does not fit.
 */
class OutOfMemoryExitIT {
    private static final List<String> SMALL_HEAP = List.of("-Xmx96m");
    private static final Map<String, String> SETTINGS = Map.of(
            "REQUEST_SIZE_LIMIT", Integer.toString(Integer.MAX_VALUE - 64), "DEV_BLOCK_TIME_MS", "500", "LOG_LEVEL", "info");

    @TempDir
    Path dir;

    @Test
    void withTheShippedJvmOptionsTheProcessExitsOnOutOfMemory() throws Exception {
        List<String> options = new ArrayList<>(shippedJvmOptions());
        options.addAll(SMALL_HEAP); // the later -Xmx wins
        assertExitsOnOutOfMemory(options);
    }

    @Test
    void withoutTheJvmFlagTheServerItselfExitsOnOutOfMemory() throws Exception {
        assertExitsOnOutOfMemory(SMALL_HEAP);
    }

    @Test
    void theLauncherAndTheBenchmarksRunTheJvmWithTheFlag() throws IOException {
        Path root = ServerProcess.repoRoot();
        assertThat(Files.readString(root.resolve("dyt"))).contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(Files.readString(root.resolve("bench/lib.sh"))).contains("\"$ROOT/dyt\" jvm-options");
    }

    /** The JVM options of the shipped systemd unit's ExecStart. */
    private static List<String> shippedJvmOptions() throws IOException {
        String exec = Files.readAllLines(ServerProcess.repoRoot().resolve("docs/deploy/dytallix-api.service")).stream()
                .filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        List<String> words = Arrays.asList(exec.substring("ExecStart=".length()).split("\\s+"));
        List<String> options = words.subList(1, words.indexOf("-jar")).stream()
                .filter(w -> w.startsWith("-XX:")).toList();
        assertThat(options).contains("-XX:+ExitOnOutOfMemoryError");
        return options;
    }

    private void assertExitsOnOutOfMemory(List<String> jvmOptions) throws Exception {
        int port = ServerProcess.freePort();
        try (ServerProcess server = ServerProcess.start(dir, port, SETTINGS, jvmOptions)) {
            sendHugeBody(port, 400L * 1024 * 1024);
            OptionalInt exit = server.awaitExit(Duration.ofSeconds(60));
            assertThat(exit).as("the process exited: %s", server.logTail()).isPresent();
            assertThat(exit.getAsInt()).as(server.logTail()).isEqualTo(Fatal.EXIT_CODE);
        }
    }

    /** A JSON body of {@code size} bytes; the server may die while it is being sent. */
    private static void sendHugeBody(int port, long size) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/faucet HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: " + size
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) ' ');
            for (long sent = 0; sent < size; sent += chunk.length) {
                out.write(chunk);
            }
            out.flush();
        } catch (IOException diedWhileReading) {
            // what we came for
        }
    }
}
