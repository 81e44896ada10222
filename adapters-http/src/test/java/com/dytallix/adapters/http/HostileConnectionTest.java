package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Attacks on the connection itself, over a real socket: requests smuggled behind a response that
 * closes the connection or behind a refused body, bodies and headers trickled a byte at a time,
 * idle connections, and framing that RFC 9112 refuses.
 */
class HostileConnectionTest {
    private static final Duration READ_TIMEOUT = Duration.ofMillis(1500);
    /**
     * Well above the read timeout plus a second: Helidon's idle clock is a timestamp it refreshes once a second, so a
     * connection quiet for 1.65 s can look idle for 2.65 s (at 2 s this class's quiet-connection test failed in CI).
     */
    private static final Duration IDLE_TIMEOUT = Duration.ofMillis(4000);
    private static final String FAUCET = "0x1111111111111111111111111111111111111111";
    @RegisterExtension
    static final TestApi api = TestApi.start(o -> {
        o.readTimeout = READ_TIMEOUT;
        o.idleTimeout = IDLE_TIMEOUT;
    });

    /** A valid faucet request, as an attacker would hide it. */
    private static String hiddenFaucetRequest() {
        String body = "{\"address\":\"" + FAUCET + "\"}";
        return "POST /api/faucet HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
    }

    /** What the server sent until it closed the connection; fails if it keeps the connection open longer than {@code within}. */
    private static String untilClosed(Socket socket, Duration within) throws IOException {
        RawHttp.Received got = RawHttp.read(socket, within, within, RawHttp::untilClosed);
        if (!got.closed()) {
            throw new AssertionError("the server kept the connection open; it sent: " + got.text());
        }
        return got.text();
    }

    private static Socket connect() throws IOException {
        return RawHttp.connect(api.port());
    }

    private static int responses(String text) {
        Matcher m = Pattern.compile("(?m)^HTTP/1\\.1 \\d{3} ").matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static long faucetRequestsSeen() {
        return api.observed.stream().filter(o -> o.startsWith("POST /api/faucet")).count();
    }

    @Test
    void nothingAfterARequestWithConnectionCloseIsExecuted() throws IOException {
        long before = faucetRequestsSeen();
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/status HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + hiddenFaucetRequest())
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer = untilClosed(socket, Duration.ofSeconds(10));
            assertThat(responses(answer)).as(answer).isEqualTo(1);
            assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
        }
        assertThat(faucetRequestsSeen()).isEqualTo(before);
        assertThat(api.grants()).noneMatch(g -> g.address().value().equalsIgnoreCase(FAUCET));
    }

    @Test
    void aRequestHiddenInARefusedBodyIsNeverParsed() throws IOException {
        long before = faucetRequestsSeen();
        for (String connection : new String[] {"", "Connection: close\r\n"}) {
            // a body over the limit made of requests: each would run if the refused body were parsed
            String filler = "GET /api/status HTTP/1.1\r\nHost: a\r\n\r\n";
            String body = filler.repeat((int) (api.options.sizeLimit / filler.length()) + 1) + hiddenFaucetRequest();
            try (Socket socket = connect()) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /api/rpc HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n" + connection
                        + "Content-Length: " + body.length() + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                try {
                    out.write(body.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (SocketException closedEarly) {
                    // the server answered 413 and closed before the body was sent: what we want
                }
                String answer = untilClosed(socket, Duration.ofSeconds(10));
                assertThat(answer).as(connection).startsWith("HTTP/1.1 413");
                assertThat(responses(answer)).as(answer).isEqualTo(1);
            }
        }
        assertThat(faucetRequestsSeen()).isEqualTo(before);
        assertThat(api.grants()).noneMatch(g -> g.address().value().equalsIgnoreCase(FAUCET));
    }

    @Test
    void aChunkedBodyIsRefusedUnreadAndTheConnectionClosed() throws IOException {
        long before = faucetRequestsSeen();
        // "+5" is not a chunk size and "XX" is not the CRLF after chunk data; the lenient parser took both
        String[] framings = {"+5\r\n{\"a\":\r\n0\r\n\r\n", "5\r\n{\"a\":XX0\r\n\r\n", "5\r\n{\"a\"}\r\n0\r\n\r\n"};
        for (String framing : framings) {
            try (Socket socket = connect()) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /api/rpc HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + framing + hiddenFaucetRequest()).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String answer = untilClosed(socket, Duration.ofSeconds(10));
                assertThat(answer).as(framing).startsWith("HTTP/1.1 411");
                assertThat(answer).contains("\"code\":\"INVALID_REQUEST\"");
                assertThat(responses(answer)).as(answer).isEqualTo(1);
            }
        }
        assertThat(faucetRequestsSeen()).isEqualTo(before);
    }

    @Test
    void aBodyTrickledByteByByteIsCutOffAtTheReadTimeout() throws IOException, InterruptedException {
        try (Socket socket = connect()) {
            assertTrickledBodyCutOff(socket.getOutputStream());
        }
    }

    /** Starts a request whose body then comes a byte every 200 ms: the server must close the connection. */
    private static void assertTrickledBodyCutOff(OutputStream out) throws IOException, InterruptedException {
        out.write("POST /api/rpc HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        long started = System.nanoTime();
        assertThat(trickleUntilClosed(out, Duration.ofSeconds(30))).as("the server closed the connection").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    }

    /** The deadline is the connection's request after request: a later request's trickled body is cut off as a first one's. */
    @Test
    void aBodyTrickledAfterAnsweredRequestsOnTheSameConnectionIsCutOffAtTheReadTimeout() throws IOException, InterruptedException {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            socket.setSoTimeout(10_000);
            for (int i = 0; i < 2; i++) {
                out.write("GET /api/status HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                assertThat(readOneResponse(in)).startsWith("HTTP/1.1 200");
            }
            assertTrickledBodyCutOff(out);
        }
    }

    /**
     * The time between two requests is the idle timeout's, not the read timeout's: a connection that waits longer than
     * HTTP_READ_TIMEOUT_MS (but not HTTP_IDLE_TIMEOUT_MS) after an answer, its body read included, is kept.
     */
    @Test
    void aConnectionQuietBetweenRequestsForLongerThanTheReadTimeoutIsKept() throws IOException, InterruptedException {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            socket.setSoTimeout(10_000);
            String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}";
            for (int i = 0; i < 2; i++) {
                out.write(("POST /api/rpc HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                        + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                assertThat(readOneResponse(in)).startsWith("HTTP/1.1 ");
                Thread.sleep(READ_TIMEOUT.toMillis() + 150); // the sweeper looks every 150 ms here
            }
            out.write("GET /api/status HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readOneResponse(in)).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void headersTrickledByteByByteAreCutOffAtTheReadTimeout() throws IOException, InterruptedException {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /api/status HTTP/1.1\r\nHost: a\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(trickleUntilClosed(out, Duration.ofSeconds(30))).as("the server closed the connection").isTrue();
        }
    }

    /** Writes a header-ish byte every 200 ms; true once the server has closed the connection. */
    private static boolean trickleUntilClosed(OutputStream out, Duration giveUp) throws InterruptedException {
        long deadline = System.nanoTime() + giveUp.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                out.write('x');
                out.flush();
            } catch (IOException closed) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    @Test
    void anIdleConnectionIsClosed() throws IOException {
        try (Socket socket = connect()) {
            assertThat(untilClosed(socket, Duration.ofSeconds(20))).isEmpty();
        }
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /api/status HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer = untilClosed(socket, Duration.ofSeconds(20));
            assertThat(answer).startsWith("HTTP/1.1 200");
            assertThat(responses(answer)).isEqualTo(1);
        }
    }

    @Test
    void aConnectionThatKeepsSendingRequestsInTimeIsKept() throws IOException, InterruptedException {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            socket.setSoTimeout(10_000);
            for (int i = 0; i < 3; i++) {
                out.write("GET /api/status HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                assertThat(readOneResponse(in)).startsWith("HTTP/1.1 200");
                Thread.sleep(READ_TIMEOUT.toMillis() / 2);
            }
        }
    }

    private static String readOneResponse(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("closed after " + got);
            }
            got.write(b);
            String text = got.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0) {
                Matcher m = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(text.substring(0, end));
                if (m.find() && text.length() - end - 4 >= Integer.parseInt(m.group(1))) {
                    return text;
                }
            }
        }
    }

    @Test
    void http10IsRefusedWithAnEnvelopeThatSaysWhatToDo() {
        String answer = api.raw("GET /api/status HTTP/1.0\r\nHost: a\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 505");
        assertThat(answer).contains("\"code\":\"INVALID_REQUEST\"").contains("HTTP/1.1");
    }

    @Test
    void aRequestWithoutOneHostHeaderIsRefusedInTheEnvelope() {
        String missing = api.raw("GET /api/status HTTP/1.1\r\n\r\n");
        String twice = api.raw("GET /api/status HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
        for (String answer : new String[] {missing, twice}) {
            assertThat(answer).startsWith("HTTP/1.1 400");
            assertThat(answer).contains("\"code\":\"INVALID_REQUEST\"").contains("exactly one Host header");
        }
        assertThat(api.raw("GET /api/status HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 200");
    }
}
