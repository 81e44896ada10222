package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.IpRange;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Open TCP connections, in all and per client: counted from accept, answered at once when over a limit. */
class ConnectionLimitsTest {

    @Test
    void oneClientCannotOpenMoreThanItsShareAndAnotherClientIsStillServed() throws Exception {
        try (TestApi api = TestApi.start(o -> {
            o.maxConnectionsPerClient = 3;
            o.maxConnections = 10;
        })) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    held.add(RawHttp.connect(api.port(), "127.0.0.1")); // sending nothing: counted all the same
                }
                // each accepted connection is counted on its own thread: a fourth opened at once could be counted first
                api.awaitOpenConnections(3);
                String refused = RawHttp.exchange(RawHttp.connect(api.port(), "127.0.0.1"), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(refused).startsWith("HTTP/1.1 429 ").contains("Retry-After: 1\r\n", "Connection: close\r\n");
                JsonNode body = Json.parse(RawHttp.body(refused).getBytes(StandardCharsets.UTF_8));
                assertThat(body.path("code").asText()).isEqualTo("RATE_LIMIT");
                assertThat(body.path("details").path("scope").asText()).isEqualTo("connections");
                assertThat(body.path("message").asText()).contains("HTTP_MAX_CONNECTIONS_PER_CLIENT");
                assertThat(body.path("requestId").asText()).isNotBlank();

                assertThat(RawHttp.exchange(RawHttp.connect(api.port(), "127.0.0.2"), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                        .as("another client").startsWith("HTTP/1.1 200 ");

                held.removeFirst().close();
                awaitServed(api, "127.0.0.1");
            } finally {
                closeAll(held);
            }
        }
    }

    @Test
    void aFullServerAnswersBusyAndServesAgainOnceConnectionsClose() throws Exception {
        try (TestApi api = TestApi.start(o -> {
            o.maxConnectionsPerClient = 100;
            o.maxConnections = 4;
        })) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    held.add(RawHttp.connect(api.port(), "127.0.0." + (i + 1)));
                }
                api.awaitOpenConnections(4);
                String refused = RawHttp.exchange(RawHttp.connect(api.port(), "127.0.0.9"), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(refused).startsWith("HTTP/1.1 503 ").contains("Retry-After: 1\r\n");
                JsonNode body = Json.parse(RawHttp.body(refused).getBytes(StandardCharsets.UTF_8));
                assertThat(body.path("code").asText()).isEqualTo("SERVER_BUSY");
                assertThat(body.path("message").asText()).contains("HTTP_MAX_CONNECTIONS");
            } finally {
                closeAll(held);
            }
            awaitServed(api, "127.0.0.9");
        }
    }

    @Test
    void aTrustedProxysConnectionsCountOnlyInAll() throws Exception {
        try (TestApi api = TestApi.start(o -> {
            o.trustedProxies = List.of(IpRange.parse("127.0.0.1"));
            o.maxConnectionsPerClient = 2;
            o.maxConnections = 6;
        })) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    held.add(RawHttp.connect(api.port(), "127.0.0.1"));
                }
                api.awaitOpenConnections(5);
                assertThat(RawHttp.exchange(RawHttp.connect(api.port(), "127.0.0.1"), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                        .startsWith("HTTP/1.1 200 ");
            } finally {
                closeAll(held);
            }
        }
    }

    @Test
    void connectionsThatNeverSendAByteAreCutByTheIdleTimeoutAndFreeTheirPlace() throws Exception {
        try (TestApi api = TestApi.start(o -> {
            o.maxConnectionsPerClient = 2;
            o.idleTimeout = Duration.ofSeconds(1);
        })) {
            List<Socket> held = List.of(RawHttp.connect(api.port(), "127.0.0.1"), RawHttp.connect(api.port(), "127.0.0.1"));
            try {
                for (Socket socket : held) {
                    socket.setSoTimeout(30_000);
                    assertThat(socket.getInputStream().read()).as("closed by the server").isEqualTo(-1);
                }
                awaitServed(api, "127.0.0.1");
            } finally {
                closeAll(held);
            }
        }
    }

    /** The server counts a closed connection once its thread is done with it: a moment after the client closes. */
    private static void awaitServed(TestApi api, String from) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String last;
        do {
            last = RawHttp.exchange(RawHttp.connect(api.port(), from), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            if (last.startsWith("HTTP/1.1 200 ")) {
                return;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        assertThat(last).as("served again").startsWith("HTTP/1.1 200 ");
    }

    private static void closeAll(List<Socket> sockets) throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
