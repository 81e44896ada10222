package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A lingering close: a body refused unread is drained before the connection closes, so a client
 * still sending it reads the answer. The read deadline here is generous: what is tested is the
 * close, not the deadline (which {@link HostileConnectionTest} tests), and a loaded machine may take
 * a while to move a megabyte. The drain also stops at the listener's payload limit (twice
 * REQUEST_SIZE_LIMIT), so the limit here is the default, over the body sent.
 */
class LingeringCloseTest {
    @RegisterExtension
    static final TestApi api = TestApi.start(o -> {
        o.readTimeout = Duration.ofSeconds(30);
        o.sizeLimit = 1 << 20; // REQUEST_SIZE_LIMIT's default: the listener then takes bodies up to twice that
    });

    @Test
    void aClientStillSendingARefusedBodyGetsTheAnswerNotAReset() throws IOException {
        try (Socket socket = RawHttp.connect(api.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/faucet HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // the 411 comes before the body: the body is sent only once its first line is here, so
            // the server has answered and decided to close while the client still has 1 MiB to send
            // (closing a socket with unread bytes resets it, and the client loses the rest)
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            while (!received.toString(StandardCharsets.ISO_8859_1).contains("\r\n")) {
                int b = in.read();
                assertThat(b).as("the answer before the body").isNotNegative();
                received.write(b);
            }
            String chunk = "4000\r\n" + " ".repeat(0x4000) + "\r\n";
            byte[] body = chunk.repeat(64).getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < body.length; i += 65_536) {
                out.write(body, i, Math.min(65_536, body.length - i));
                out.flush();
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            in.transferTo(received); // until the server closes: it drained the body, then ended the connection
            String answer = received.toString(StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 411");
            assertThat(answer.split("HTTP/1\\.1 ", -1)).as(answer).hasSize(2);
        }
    }

    /**
     * A client that sends "Expect: 100-continue" waits for a 100 before its body. Answered without the
     * body being read (a refusal, or a route that takes none), it gets the answer alone and the
     * connection ends: before, the drain after the answer made Helidon send "100 Continue" after it.
     */
    @Test
    void anAnswerToARequestAwaitingContinueIsNeverFollowedByA100() throws IOException {
        for (String request : new String[] {
            "POST /api/admin/pause HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n",
            "GET /api/status HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n",
        }) {
            RawHttp.Received got = RawHttp.exchange(api.port(), request.getBytes(StandardCharsets.ISO_8859_1), Duration.ofSeconds(10),
                    Duration.ofSeconds(2), RawHttp::untilClosed);
            String answer = got.text();
            assertThat(answer).as(request).doesNotContain("100 Continue").startsWith("HTTP/1.1 ");
            assertThat(answer.split("HTTP/1\\.1 ", -1)).as(answer).hasSize(2);
            assertThat(got.closed()).as("the connection ended with the answer: " + answer).isTrue();
        }
    }
}
