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

import com.dytallix.domain.MemoryBudget;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.websocket.ClientWsFrame;
import io.helidon.websocket.WsOpCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The frame check on its own: the same verdict, at the same byte, however the bytes are split into
 * reads; and a fragmented text message re-framed so that Helidon's frame reader, decoding each frame
 * alone, gets its text intact.
 */
class WsFrameCheckTest {
    /**
     * Where a check over {@code stream} cut into reads of {@code size} bytes finds the violation (the
     * bytes handed on before it: its offset in a stream with no fragmented text message), or -1.
     */
    private static long violationAt(byte[] stream, int size) {
        WsFrameCheck check = new WsFrameCheck(1 << 20);
        long handedOn = 0;
        for (int from = 0; from < stream.length; from += size) {
            handedOn += check.pass(Arrays.copyOfRange(stream, from, Math.min(stream.length, from + size))).length;
            if (check.violation() != null) {
                return handedOn;
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

    /**
     * What Helidon 4.5 makes of {@code stream} arriving in reads of {@code size} bytes through the
     * connection's reader (frames of at most {@code maxFrameLength}): each text message as
     * {@code WsConnection} decodes it (each frame's payload alone, the pieces appended), and each ping.
     */
    private static List<String> helidonGets(byte[] stream, int size, int maxFrameLength) {
        Deque<byte[]> reads = new ArrayDeque<>();
        for (int from = 0; from < stream.length; from += size) {
            reads.add(Arrays.copyOfRange(stream, from, Math.min(stream.length, from + size)));
        }
        DataReader reader = new PieceLimitedWsUpgrade.Pieces(new DataReader(reads::poll), 1 << 20, new MemoryBudget(Long.MAX_VALUE),
                new WsFrameCheck(maxFrameLength)).reader;
        List<String> got = new ArrayList<>();
        StringBuilder message = new StringBuilder();
        boolean binary = false;
        while (true) {
            ClientWsFrame frame;
            try {
                frame = ClientWsFrame.read(null, reader, maxFrameLength);
            } catch (DataReader.InsufficientDataAvailableException end) {
                return got;
            }
            BufferData payload = frame.payloadData();
            binary = frame.opCode() == WsOpCode.BINARY || binary && frame.opCode() == WsOpCode.CONTINUATION;
            switch (binary ? WsOpCode.BINARY : frame.opCode()) { // a binary message's frames by their own opcode
                case TEXT, CONTINUATION -> {
                    message.append(payload.readString(payload.available(), StandardCharsets.UTF_8));
                    if (frame.fin()) {
                        got.add("text " + message);
                        message.setLength(0);
                    }
                }
                case PING -> got.add("ping " + payload.readString(payload.available(), StandardCharsets.US_ASCII));
                default -> got.add(frame.opCode().name());
            }
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aCharacterSplitBetweenFramesReachesHelidonWhole() {
        // two-, three- and four-byte characters, the message split at every byte into two frames and
        // at every pair of bytes into three, a ping after the first frame
        String text = "{\"id\":\"\u00e9\u20ac\ud83d\ude00\"}";
        byte[] bytes = utf8(text);
        List<byte[]> frames = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int cut = 0; cut <= bytes.length; cut++) {
            frames.add(frame(TEXT, Arrays.copyOfRange(bytes, 0, cut)));
            frames.add(frame(FIN | PING, utf8("p" + cut)));
            frames.add(frame(FIN | CONTINUATION, Arrays.copyOfRange(bytes, cut, bytes.length)));
            expected.add("ping p" + cut);
            expected.add("text " + text);
            for (int second = cut; second <= bytes.length; second++) {
                frames.add(frame(TEXT, Arrays.copyOfRange(bytes, 0, cut)));
                frames.add(frame(CONTINUATION, Arrays.copyOfRange(bytes, cut, second)));
                frames.add(frame(FIN | CONTINUATION, Arrays.copyOfRange(bytes, second, bytes.length)));
                expected.add("text " + text);
            }
        }
        // and around them, what is handed on as it is: a message in one frame, a binary one in two
        frames.add(frame(FIN | TEXT, utf8("\u20ac")));
        frames.add(frame(BINARY, new byte[] {(byte) 0xe2}));
        frames.add(frame(FIN | CONTINUATION, new byte[] {(byte) 0x82, (byte) 0xac}));
        expected.add("text \u20ac");
        expected.add("BINARY");
        expected.add("CONTINUATION");
        byte[] stream = concat(frames.toArray(byte[][]::new));
        for (int size : new int[] {1, 2, 3, 5, 7, 64, 1000, stream.length}) {
            assertThat(helidonGets(stream, size, 4096)).as("reads of %d bytes", size).isEqualTo(expected);
        }
    }

    @Test
    void largeFramesOfAFragmentedMessageKeepTheirTextAndTheLargestFrameFitsWithACarriedCharacter() {
        String big = "\u00e9".repeat(40_000) + "x"; // 80,001 bytes: a 64-bit length, then 16-bit ones
        byte[] bytes = utf8(big);
        byte[] stream = concat(frame(TEXT, Arrays.copyOfRange(bytes, 0, 30_001)),
                frame(CONTINUATION, Arrays.copyOfRange(bytes, 30_001, 70_001)), frame(FIN | CONTINUATION, Arrays.copyOfRange(bytes, 70_001, bytes.length)));
        for (int size : new int[] {1000, 8192, stream.length}) {
            assertThat(helidonGets(stream, size, 1 << 20)).as("reads of %d bytes", size).containsExactly("text " + big);
        }
        // a frame that ends the message at the largest length after one that left a character unfinished
        byte[] whole = concat(frame(TEXT, new byte[] {'a', (byte) 0xc3}),
                frame(FIN | CONTINUATION, concat(new byte[] {(byte) 0xa9}, "b".repeat(61).getBytes(StandardCharsets.US_ASCII))));
        assertThat(helidonGets(whole, whole.length, 64)).containsExactly("text a\u00e9" + "b".repeat(61));
    }

    @Test
    void aFrameOverTheLimitIsTooBigByItsHeaderAlsoInAFragmentedTextMessage() {
        WsFrameCheck check = new WsFrameCheck(64);
        byte[] first = frame(TEXT, new byte[64]);
        byte[] passed = check.pass(concat(first, frame(FIN | CONTINUATION, new byte[65])));
        assertThat(passed).hasSize(2 + 4 + 64); // the first frame, re-framed
        assertThat(check.violation().closeCode()).isEqualTo(1009);
        assertThat(check.violation()).hasMessage("a frame over 64 bytes");
        byte[] ok = frame(FIN | BINARY, new byte[64]);
        WsFrameCheck single = new WsFrameCheck(64);
        assertThat(single.pass(concat(ok, frame(FIN | TEXT, new byte[300]))).length).as("up to the length's last byte").isEqualTo(ok.length + 3);
        assertThat(single.violation()).hasMessage("a frame over 64 bytes");
    }

    @Test
    void aMessageOverTheLimitInBytesIsTooBigByTheHeaderOfTheFrameThatCrossesIt() {
        // 64 bytes: 21 three-byte characters (63 bytes) and one more byte, in frames cut inside characters
        byte[] message = utf8("\u20ac".repeat(21) + "x");
        byte[] first = frame(TEXT, Arrays.copyOfRange(message, 0, 31));
        byte[] last = frame(FIN | CONTINUATION, Arrays.copyOfRange(message, 31, 64));
        assertThat(helidonGets(concat(first, last), 7, 64)).as("exactly the limit").containsExactly("text " + "\u20ac".repeat(21) + "x");
        WsFrameCheck check = new WsFrameCheck(64);
        byte[] over = frame(FIN | CONTINUATION, Arrays.copyOfRange(utf8("\u20ac".repeat(21) + "xy"), 31, 65));
        check.pass(first);
        assertThat(check.pass(over)).as("nothing of the crossing frame: not even its header").isEmpty();
        assertThat(check.violation().closeCode()).isEqualTo(1009);
        assertThat(check.violation()).hasMessage("a message over 64 bytes");
        // a binary message too; a control frame between its frames counts nothing
        WsFrameCheck binary = new WsFrameCheck(64);
        byte[] ok = concat(frame(BINARY, new byte[40]), frame(FIN | PING, new byte[50]), frame(CONTINUATION, new byte[24]));
        assertThat(binary.pass(concat(ok, frame(FIN | CONTINUATION, new byte[1]))).length).as("up to the length's last byte").isEqualTo(ok.length + 1);
        assertThat(binary.violation()).hasMessage("a message over 64 bytes");
        // the next message counts from zero
        WsFrameCheck next = new WsFrameCheck(64);
        byte[] two = concat(frame(FIN | TEXT, new byte[64]), frame(BINARY, new byte[32]), frame(FIN | CONTINUATION, new byte[32]));
        assertThat(next.pass(two)).isSameAs(two);
        assertThat(next.violation()).isNull();
    }

    @Test
    void aReadWithNoFragmentedTextMessageIsHandedOnAsItIsWithoutACopy() {
        WsFrameCheck check = new WsFrameCheck(4096);
        byte[] read = concat(frame(FIN | TEXT, utf8("[\"\u00e9\"]")), frame(FIN | PING, new byte[0]), frame(BINARY, new byte[3]));
        assertThat(check.pass(read)).isSameAs(read);
    }
}
