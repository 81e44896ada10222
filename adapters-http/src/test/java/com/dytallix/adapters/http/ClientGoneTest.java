package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that goes away before it has its answers is normal: it must never make the server log a
 * warning with a stack trace (one such connection is a multi-line WARN, so a client could flood the
 * log with them), and it changes nothing for the next client.
 */
class ClientGoneTest {
    @RegisterExtension
    static final TestApi api = TestApi.start();

    @RegisterExtension
    final LogWarnings warnings = new LogWarnings();

    private static String faucetRefusal() {
        return "POST /api/faucet HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    }

    /**
     * Waits until the server has seen at least one more request than {@code before} and then none
     * for 300 ms: the connection has ended (its last request is seen after anything it logs).
     */
    private static void awaitQuiet(int before) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int seen = api.observed.size();
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Thread.sleep(20);
            int now = api.observed.size();
            if (now != seen) {
                seen = now;
                since = System.nanoTime();
            } else if (now > before && System.nanoTime() - since > 300_000_000L) {
                return;
            }
        }
    }

    @Test
    void aClientHangingUpOnPipelinedRefusalsLeavesNoWarning() throws Exception {
        for (int round = 0; round < 20; round++) {
            int before = api.observed.size();
            try (Socket socket = RawHttp.connect(api.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(faucetRefusal().repeat(3).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                socket.setSoTimeout(5000);
                InputStream in = socket.getInputStream();
                byte[] first = in.readNBytes(10);
                assertThat(new String(first, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 4");
            }
            awaitQuiet(before);
        }
        assertThat(warnings.records()).as(warnings.describe()).isEmpty();
        // and the server answers the next client as ever
        assertThat(api.postJson("/api/faucet", "{}").status()).isEqualTo(400);
    }

    /** Six megabytes: far more than loopback's socket buffers hold, so the answer is still being written when the client leaves. */
    private static final String BIG = "\"0x" + "ab".repeat(3_000_000) + "\"";

    @Test
    void aClientLeavingDuringALargeRelayAnswerLeavesNoWarning() throws Exception {
        api.chain.relay = (method, params) -> BIG;
        try {
            byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{},\"latest\"]}"
                    .getBytes(StandardCharsets.UTF_8);
            for (boolean reset : new boolean[] {false, true}) {
                try (Socket socket = RawHttp.connect(api.port())) {
                    if (reset) {
                        socket.setSoLinger(true, 0);
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write(("POST /api/rpc HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: "
                            + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    out.flush();
                    socket.setSoTimeout(5000);
                    assertThat(new String(socket.getInputStream().readNBytes(100_000), StandardCharsets.ISO_8859_1))
                            .startsWith("HTTP/1.1 200");
                }
                awaitWritten();
            }
        } finally {
            api.chain.relay = TestApi.ANSWER;
        }
        assertThat(warnings.records()).as(warnings.describe()).isEmpty();
        assertThat(api.postJson("/api/rpc", "{\"method\":\"eth_blockNumber\"}").status()).isEqualTo(200);
    }

    /** Waits until no large answer is being written any more. */
    private static void awaitWritten() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (AnswerWriter.WRITING.held() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(AnswerWriter.WRITING.held()).as("the answer's memory given back").isZero();
        Thread.sleep(200);
    }

    @Test
    void aClientLeavingInTheMiddleOfItsBodyLeavesNoWarning() throws Exception {
        for (boolean reset : new boolean[] {false, true}) {
            for (String path : new String[] {"/api/faucet", "/api/rpc", "/api/admin/pause"}) {
                int before = api.observed.size();
                try (Socket socket = RawHttp.connect(api.port())) {
                    if (reset) {
                        socket.setSoLinger(true, 0);
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write(("POST " + path + " HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                            + "Authorization: Bearer " + TestApi.TOKEN + "\r\nContent-Length: 1000\r\n\r\n{\"address\":")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    Thread.sleep(100); // the server is reading the body when the client goes
                }
                awaitQuiet(before);
            }
        }
        assertThat(warnings.records()).as(warnings.describe()).isEmpty();
        assertThat(api.postJson("/api/faucet", "{}").status()).isEqualTo(400);
    }

    @Test
    void aWebSocketClientLeavingInTheMiddleOfAFrameLeavesNoWarningAndFreesItsSlot() throws Exception {
        for (boolean reset : new boolean[] {false, true}) {
            try (Socket socket = RawHttp.connect(api.port())) {
                if (reset) {
                    socket.setSoLinger(true, 0);
                }
                OutputStream out = RawWebSocket.upgrade(socket).socket().getOutputStream();
                // a masked 200-byte text frame of which 20 bytes arrive
                out.write(new byte[] {(byte) 0x81, (byte) (0x80 | 126), 0, (byte) 200, 1, 2, 3, 4});
                out.write("{\"jsonrpc\":\"2.0\",\"id\"".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                Thread.sleep(100);
            }
            // its slot (and subscriptions) go at once, not when a ping fails 20 to 40 s later
            api.awaitWebSockets(0);
        }
        assertThat(warnings.records()).as(warnings.describe()).isEmpty();
    }

    @Test
    void aWebSocketFrameThatBreaksTheProtocolEndsTheConnectionWithoutAnHttpAnswerOrAWarning() throws Exception {
        try (Socket socket = RawHttp.connect(api.port())) {
            OutputStream out = RawWebSocket.upgrade(socket).socket().getOutputStream();
            // a masked frame with opcode 5, which no version of the protocol defines
            out.write(new byte[] {(byte) 0x85, (byte) 0x82, 1, 2, 3, 4, 'x' ^ 1, 'x' ^ 2});
            out.flush();
            byte[] rest = socket.getInputStream().readAllBytes(); // the server ends the connection
            assertThat(new String(rest, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1");
        }
        api.awaitWebSockets(0);
        assertThat(warnings.records()).as(warnings.describe()).isEmpty();
    }
}
