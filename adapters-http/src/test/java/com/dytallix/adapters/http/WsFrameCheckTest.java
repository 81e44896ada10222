package com.dytallix.adapters.http;

import static com.dytallix.adapters.http.RawWebSocket.CLOSE;
import static com.dytallix.adapters.http.RawWebSocket.CONTINUATION;
import static com.dytallix.adapters.http.RawWebSocket.FIN;
import static com.dytallix.adapters.http.RawWebSocket.PING;
import static com.dytallix.adapters.http.RawWebSocket.TEXT;
import static com.dytallix.adapters.http.RawWebSocket.BINARY;
import static com.dytallix.adapters.http.RawWebSocket.closePayload;
import static com.dytallix.adapters.http.RawWebSocket.concat;
import static com.dytallix.adapters.http.RawWebSocket.frame;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The frame check on its own: the same verdict, at the same byte, however the bytes are split into reads. */
class WsFrameCheckTest {
    /** Where a check over {@code stream} cut into reads of {@code size} bytes finds the violation (its offset in the stream), or -1. */
    private static long violationAt(byte[] stream, int size) {
        WsFrameCheck check = new WsFrameCheck();
        for (int from = 0; from < stream.length; from += size) {
            int broken = check.scan(Arrays.copyOfRange(stream, from, Math.min(stream.length, from + size)));
            if (broken >= 0) {
                return from + broken;
            }
        }
        return -1;
    }

    private static void assertEverySplit(byte[] stream, long expected) {
        for (int size : new int[] {1, 2, 3, 7, 64, stream.length}) {
            assertThat(violationAt(stream, size)).as("reads of %d bytes", size).isEqualTo(expected);
        }
    }

    @Test
    void whatTheProtocolAllowsPassesHoweverItIsSplit() {
        byte[] text = "{\"id\":\"\u00e9\u20ac\ud83d\ude00\"}".getBytes(StandardCharsets.UTF_8);
        byte[] stream = concat(
                frame(FIN | TEXT, text),
                // a character split between two frames of a message, a ping between them
                frame(TEXT, Arrays.copyOfRange(text, 0, 8)), frame(FIN | PING, "p".getBytes(StandardCharsets.US_ASCII)),
                frame(FIN | CONTINUATION, Arrays.copyOfRange(text, 8, text.length)),
                frame(FIN | TEXT, new byte[0]),
                frame(FIN | BINARY, new byte[] {(byte) 0xff, (byte) 0xfe}),
                frame(FIN | TEXT, "x".repeat(70_000).getBytes(StandardCharsets.US_ASCII)),
                frame(FIN | CLOSE, closePayload(1000, "\u00e9".getBytes(StandardCharsets.UTF_8))));
        assertEverySplit(stream, -1);
    }

    @Test
    void theViolationIsFoundAtTheByteThatMakesItOne() {
        byte[] ok = frame(FIN | TEXT, "[1]".getBytes(StandardCharsets.US_ASCII));
        // a header's fault: the frame's first or second byte
        assertEverySplit(concat(ok, frame(PING, new byte[0])), ok.length);
        assertEverySplit(concat(ok, frame(FIN | 0x20 | TEXT, new byte[1])), ok.length);
        assertEverySplit(concat(ok, frame(FIN | 0x3, new byte[0])), ok.length);
        assertEverySplit(concat(ok, frame(FIN | CONTINUATION, new byte[0])), ok.length);
        assertEverySplit(concat(ok, frame(FIN | TEXT, false, new byte[1])), ok.length + 1);
        assertEverySplit(concat(ok, frame(FIN | PING, new byte[126])), ok.length + 1);
        assertEverySplit(concat(ok, frame(FIN | CLOSE, new byte[1])), ok.length + 1);
        // a byte no UTF-8 has: that byte (2 header bytes and 4 of mask before the payload)
        assertEverySplit(concat(ok, frame(FIN | TEXT, new byte[] {'[', '"', (byte) 0xc0})), ok.length + 6 + 2);
        // a character cut by the message's end, a bad close code: the frame's last byte
        byte[] cut = frame(FIN | TEXT, new byte[] {'[', (byte) 0xe2, (byte) 0x82});
        assertEverySplit(concat(ok, cut), ok.length + cut.length - 1);
        byte[] badCode = frame(FIN | CLOSE, closePayload(1006));
        assertEverySplit(concat(ok, badCode), ok.length + badCode.length - 1);
    }

    @Test
    void theCloseCodesAClientMaySend() {
        assertThat(java.util.stream.IntStream.rangeClosed(0, 5100).filter(WsFrameCheck::mayBeSent).count())
                .isEqualTo(4 + 8 + 2000);
        assertThat(WsFrameCheck.mayBeSent(1000)).isTrue();
        assertThat(WsFrameCheck.mayBeSent(1011)).isTrue();
        assertThat(WsFrameCheck.mayBeSent(4999)).isTrue();
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
            assertThat(WsFrameCheck.mayBeSent(code)).as("%d", code).isFalse();
        }
    }
}
