package com.dytallix.adapters.http;

import static com.dytallix.adapters.http.RawWebSocket.BINARY;
import static com.dytallix.adapters.http.RawWebSocket.CLOSE;
import static com.dytallix.adapters.http.RawWebSocket.CONTINUATION;
import static com.dytallix.adapters.http.RawWebSocket.FIN;
import static com.dytallix.adapters.http.RawWebSocket.PING;
import static com.dytallix.adapters.http.RawWebSocket.PONG;
import static com.dytallix.adapters.http.RawWebSocket.TEXT;
import static com.dytallix.adapters.http.RawWebSocket.closePayload;
import static com.dytallix.adapters.http.RawWebSocket.concat;
import static com.dytallix.adapters.http.RawWebSocket.frame;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What RFC 6455 asks of a client's frames, on raw sockets: a frame that breaks the protocol closes
 * its connection with 1002, a text message or close reason that is not UTF-8 with 1007, after the
 * frames before it were served; the server keeps serving everyone else, frees the slot, and logs no
 * warning (it is the client's doing).
 */
class WsProtocolViolationsTest {
    @RegisterExtension
    static final TestApi api = TestApi.start();
    @RegisterExtension
    final LogWarnings warnings = new LogWarnings();

    private static final String CALL = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":[]}";

    private static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    private record Case(String name, int expected, byte[]... frames) {
    }

    private static List<Case> violations() {
        byte[] call = CALL.getBytes(StandardCharsets.UTF_8);
        return List.of(
                new Case("a text message with a byte no UTF-8 has", 1007, frame(FIN | TEXT, bytes("{\"jsonrpc\":\"2.0\",\"id\":\"\u00ff\"}"))),
                new Case("an overlong form", 1007, frame(FIN | TEXT, bytes("[\"\u00c0\u00af\"]"))),
                new Case("a surrogate", 1007, frame(FIN | TEXT, bytes("[\"\u00ed\u00a0\u0080\"]"))),
                new Case("a text message ending inside a character", 1007, frame(FIN | TEXT, bytes("[\"\u00e2\u0082"))),
                new Case("invalid UTF-8 across two frames of a message", 1007,
                        frame(TEXT, bytes("[\"\u00c3")), frame(FIN | CONTINUATION, bytes("(\"]"))),
                new Case("a fragmented ping", 1002, frame(PING, bytes("hi"))),
                new Case("reserved bit 1 without an extension", 1002, frame(FIN | 0x40 | TEXT, call)),
                new Case("reserved bit 3 on a ping", 1002, frame(FIN | 0x10 | PING, bytes("hi"))),
                new Case("opcode 3", 1002, frame(FIN | 0x3, bytes("x"))),
                new Case("opcode 11", 1002, frame(FIN | 0xB, bytes("x"))),
                new Case("an unmasked frame", 1002, frame(FIN | TEXT, false, call)),
                new Case("a ping over 125 bytes", 1002, frame(FIN | PING, new byte[126])),
                new Case("a close frame over 125 bytes", 1002, frame(FIN | CLOSE, closePayload(1000, new byte[124]))),
                new Case("a continuation with no message started", 1002, frame(FIN | CONTINUATION, bytes("x"))),
                new Case("a continuation after a finished message", 1002, frame(FIN | TEXT, call), frame(FIN | CONTINUATION, bytes("x"))),
                new Case("a new message inside a fragmented one", 1002, frame(TEXT, bytes("[")), frame(FIN | TEXT, call)),
                new Case("a close frame with a 1-byte payload", 1002, frame(FIN | CLOSE, new byte[] {3})),
                new Case("close code 1005", 1002, frame(FIN | CLOSE, closePayload(1005))),
                new Case("close code 999", 1002, frame(FIN | CLOSE, closePayload(999))),
                new Case("close code 1004", 1002, frame(FIN | CLOSE, closePayload(1004))),
                new Case("close code 2000", 1002, frame(FIN | CLOSE, closePayload(2000))),
                new Case("close code 5000", 1002, frame(FIN | CLOSE, closePayload(5000))),
                new Case("a close reason that is not UTF-8", 1007, frame(FIN | CLOSE, closePayload(1000, (byte) 0xff))));
    }

    @Test
    void eachViolationClosesItsConnectionWithItsCodeAndTheServerServesOthers() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Case c : violations()) {
            int code;
            try (RawWebSocket ws = RawWebSocket.open(api.port())) {
                ws.send(c.frames());
                ws.socket().setSoTimeout(2000);
                code = ws.closeCode();
                if (code == c.expected() && !ws.endedAfterClose()) {
                    wrong.add(c.name() + ": the connection stayed open after the close");
                }
            }
            if (code != c.expected()) {
                wrong.add(c.name() + ": closed with " + code + ", expected " + c.expected());
            }
            try (RawWebSocket other = RawWebSocket.open(api.port())) {
                assertThat(other.sendText(CALL).nextText()).as("another client, after " + c.name()).contains("\"result\":\"0x10\"");
            }
            api.awaitWebSockets(0);
        }
        assertThat(wrong).isEmpty();
        assertThat(warnings.records()).as(warnings.describe()).isEmpty();
    }

    /**
     * Found by the round-20 sweep: the answer to a call just before a violation was written after the
     * close frame (RFC 6455, 5.5.1: no data frame after a close), by the connection's writer, while the
     * reader had already sent the close. It may come before the close, or not at all; never after.
     */
    @Test
    void nothingIsWrittenAfterTheCloseFrame() throws Exception {
        List<String> after = new ArrayList<>();
        for (int i = 0; i < 100; i++) { // the old code wrote after the close in 3 rounds of 40
            try (RawWebSocket ws = RawWebSocket.open(api.port())) {
                ws.socket().setSoTimeout(3000);
                ws.send(concat(frame(FIN | TEXT, CALL.getBytes(StandardCharsets.UTF_8)), frame(FIN | TEXT, false, bytes("[]"))));
                RawWebSocket.Frame f = ws.read();
                while (f != null && f.opcode() != CLOSE) {
                    f = ws.read();
                }
                assertThat(f).as("a close frame, round " + i).isNotNull();
                assertThat(f.closeCode()).isEqualTo(1002);
                for (RawWebSocket.Frame later = ws.read(); later != null; later = ws.read()) {
                    after.add("round " + i + ": opcode " + later.opcode() + " " + later.text());
                }
            }
        }
        api.awaitWebSockets(0);
        assertThat(after).as("frames after the close frame").isEmpty();
    }

    @Test
    void theFramesBeforeAViolationAreServedAndTheViolatingOneIsNot() throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(api.port())) {
            // in one write: a ping, then a call whose id is not UTF-8, in two frames
            String call = "{\"jsonrpc\":\"2.0\",\"method\":\"eth_getBalance\",\"params\":[\"0x" + "11".repeat(20)
                    + "\",\"latest\"],\"id\":\"\u00ff\"}";
            ws.send(concat(frame(FIN | PING, bytes("before")), frame(TEXT, bytes(call.substring(0, 40))),
                    frame(FIN | CONTINUATION, bytes(call.substring(40)))));
            RawWebSocket.Frame pong = ws.read();
            assertThat(pong.opcode()).isEqualTo(PONG);
            assertThat(pong.text()).isEqualTo("before");
            assertThat(ws.closeCode()).isEqualTo(1007);
        }
        api.awaitWebSockets(0);
        assertThat(api.chain.calls).as("the call never reached the relay").noneMatch(c -> c.method().equals("eth_getBalance"));
    }

    @Test
    void whatTheProtocolAllowsIsServed() throws Exception {
        byte[] call = ("{\"jsonrpc\":\"2.0\",\"id\":\"\u00e9\u20ac\ud83d\ude00\",\"method\":\"eth_blockNumber\",\"params\":[]}")
                .getBytes(StandardCharsets.UTF_8);
        try (RawWebSocket ws = RawWebSocket.open(api.port())) {
            // a ping between the frames of a message, answered with its payload; the message is served
            ws.send(frame(TEXT, java.util.Arrays.copyOfRange(call, 0, 10)), frame(FIN | PING, bytes("between")),
                    frame(FIN | CONTINUATION, java.util.Arrays.copyOfRange(call, 10, call.length)));
            RawWebSocket.Frame pong = ws.read();
            assertThat(pong.opcode()).isEqualTo(PONG);
            assertThat(pong.text()).isEqualTo("between");
            assertThat(ws.nextText()).contains("\"result\":\"0x10\"");
            // an unsolicited pong, an empty final continuation... then a close with a code of the applications' range and a reason
            ws.send(frame(FIN | PONG, new byte[0]), frame(FIN | CLOSE, closePayload(4000, "bye \u00e9".getBytes(StandardCharsets.UTF_8))));
            assertThat(ws.closeCode()).isEqualTo(1000);
        }
        try (RawWebSocket ws = RawWebSocket.open(api.port())) {
            ws.send(frame(FIN | CLOSE, new byte[0]));
            assertThat(ws.closeCode()).as("a close with no code").isEqualTo(1000);
        }
        try (RawWebSocket ws = RawWebSocket.open(api.port())) {
            ws.send(frame(FIN | BINARY, new byte[] {1}));
            assertThat(ws.closeCode()).as("a binary message: the relay's own refusal, as before").isEqualTo(1003);
        }
        api.awaitWebSockets(0);
        assertThat(warnings.records()).as(warnings.describe()).isEmpty();
    }

    @Test
    void aCharacterSplitBetweenFramesReachesTheRelayWhole() throws Exception {
        // a two-, a three- and a four-byte character in a call's id, the call split into two frames at
        // every byte in and around the character, and into three at every pair of them, a ping
        // between the first two: the id comes back as sent (Helidon alone made the character U+FFFD)
        try (RawWebSocket ws = RawWebSocket.open(api.port())) {
            ws.socket().setTcpNoDelay(true); // each frame a segment of its own, mostly a read of its own
            for (String id : List.of("\u00e9", "\u20ac", "\ud83d\ude00")) {
                byte[] call = ("{\"jsonrpc\":\"2.0\",\"id\":\"" + id + "\",\"method\":\"eth_blockNumber\",\"params\":[]}")
                        .getBytes(StandardCharsets.UTF_8);
                int at = CALL.indexOf("\"id\":") + 6; // the character's first byte
                int length = id.getBytes(StandardCharsets.UTF_8).length;
                List<int[]> cuts = new ArrayList<>();
                for (int cut = at - 2; cut <= at + length + 2; cut++) {
                    cuts.add(new int[] {cut});
                }
                for (int first = at - 1; first <= at + length + 1; first++) {
                    for (int second = first + 1; second <= at + length + 1; second++) {
                        cuts.add(new int[] {first, second});
                    }
                }
                for (int[] cut : cuts) {
                    String as = id + " cut at " + java.util.Arrays.toString(cut);
                    int end = cut.length == 1 ? call.length : cut[1];
                    ws.send(frame(TEXT, java.util.Arrays.copyOfRange(call, 0, cut[0])), frame(FIN | PING, bytes("between")),
                            frame(cut.length == 1 ? FIN | CONTINUATION : CONTINUATION, java.util.Arrays.copyOfRange(call, cut[0], end)));
                    if (cut.length == 2) {
                        ws.send(frame(FIN | CONTINUATION, java.util.Arrays.copyOfRange(call, end, call.length)));
                    }
                    RawWebSocket.Frame pong = ws.read();
                    assertThat(pong.opcode()).as(as).isEqualTo(PONG);
                    assertThat(pong.text()).as(as).isEqualTo("between");
                    com.fasterxml.jackson.databind.JsonNode answer = Json.MAPPER.readTree(ws.nextText());
                    assertThat(answer.path("id").textValue()).as(as).isEqualTo(id);
                    assertThat(answer.path("result").textValue()).as(as).isEqualTo("0x10");
                }
            }
        }
        api.awaitWebSockets(0);
        assertThat(warnings.records()).as(warnings.describe()).isEmpty();
    }

    @Test
    void aFragmentedMessageOverTheLimitIsStillTooBig() throws Exception {
        // the limit (4096 bytes here) applies to the message, however it is split, and to each frame
        byte[] half = ("\"" + "\u00e9".repeat(1200)).getBytes(StandardCharsets.UTF_8); // 2401 bytes, 1201 characters
        try (RawWebSocket ws = RawWebSocket.open(api.port())) {
            ws.send(frame(TEXT, bytes("[")), frame(CONTINUATION, half), frame(CONTINUATION, half), frame(CONTINUATION, half),
                    frame(CONTINUATION, half), frame(FIN | CONTINUATION, bytes("\"]")));
            RawWebSocket.Frame close = ws.read(); // no answer first: the message never reached the relay
            assertThat(close.opcode()).isEqualTo(CLOSE);
            assertThat(close.closeCode()).as("a message of 9,607 bytes in frames of 2401 bytes").isEqualTo(1009);
            assertThat(close.text()).endsWith("a message over 4096 bytes");
        }
        try (RawWebSocket ws = RawWebSocket.open(api.port())) {
            ws.send(frame(TEXT, bytes("[")), frame(FIN | CONTINUATION, ("\"" + "a".repeat(5000) + "\"]").getBytes(StandardCharsets.US_ASCII)));
            RawWebSocket.Frame close = ws.read();
            assertThat(close.opcode()).isEqualTo(CLOSE);
            assertThat(close.closeCode()).as("a frame of 5004 bytes").isEqualTo(1009);
            assertThat(close.text()).endsWith("a frame over 4096 bytes");
        }
        try (RawWebSocket ws = RawWebSocket.open(api.port())) {
            ws.send(frame(FIN | TEXT, ("[\"" + "a".repeat(5000) + "\"]").getBytes(StandardCharsets.US_ASCII)));
            RawWebSocket.Frame close = ws.read();
            assertThat(close.closeCode()).as("a message of one frame of 5004 bytes, as before").isEqualTo(1009);
            assertThat(close.text()).endsWith("a frame over 4096 bytes");
        }
        api.awaitWebSockets(0);
    }

    /** A call of exactly {@code size} bytes as UTF-8 whose id is mostly three-byte characters (one UTF-16 character each). */
    private static byte[] callOfBytes(int size) {
        String head = "{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"params\":[],\"id\":\"";
        int room = size - head.length() - 2;
        String id = "a".repeat(room % 3) + "\u20ac".repeat(room / 3);
        byte[] call = (head + id + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(call).hasSize(size);
        return call;
    }

    @Test
    void theMessageLimitCountsBytesAsSentNotCharacters() throws Exception {
        // 4096 bytes here; a message of three-byte characters has about a third as many characters
        for (int cuts : new int[] {1, 2, 5}) {
            for (int size : new int[] {4096, 4097}) {
                byte[] call = callOfBytes(size);
                String as = size + " bytes (" + new String(call, StandardCharsets.UTF_8).length() + " characters) in " + cuts + " frame(s)";
                byte[][] frames = new byte[cuts][];
                for (int i = 0; i < cuts; i++) { // cut anywhere, inside characters too
                    int from = call.length * i / cuts;
                    int to = call.length * (i + 1) / cuts;
                    frames[i] = frame((i == cuts - 1 ? FIN : 0) | (i == 0 ? TEXT : CONTINUATION), java.util.Arrays.copyOfRange(call, from, to));
                }
                try (RawWebSocket ws = RawWebSocket.open(api.port())) {
                    ws.socket().setSoTimeout(5000);
                    ws.send(frames);
                    if (size <= 4096) {
                        assertThat(ws.nextText()).as(as).contains("\"result\":\"0x10\"");
                    } else {
                        RawWebSocket.Frame close = ws.read();
                        assertThat(close.opcode()).as(as).isEqualTo(CLOSE);
                        assertThat(close.closeCode()).as(as).isEqualTo(1009);
                        assertThat(close.text()).as(as).endsWith(cuts == 1 ? "a frame over 4096 bytes" : "a message over 4096 bytes");
                    }
                }
            }
        }
        // ASCII, as before: one byte a character, the same limit
        try (RawWebSocket ws = RawWebSocket.open(api.port())) {
            String call = "{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"params\":[],\"id\":\"";
            call += "a".repeat(4096 - call.length() - 2) + "\"}";
            ws.send(frame(TEXT, bytes(call.substring(0, 2000))), frame(FIN | CONTINUATION, bytes(call.substring(2000))));
            assertThat(ws.nextText()).as("4096 ASCII bytes in two frames").contains("\"result\":\"0x10\"");
            ws.send(frame(TEXT, bytes(call.substring(0, 2000))), frame(FIN | CONTINUATION, bytes(call.substring(2000) + " ")));
            RawWebSocket.Frame close = ws.read();
            assertThat(close.closeCode()).as("4097 ASCII bytes in two frames").isEqualTo(1009);
        }
        api.awaitWebSockets(0);
        assertThat(warnings.records()).as(warnings.describe()).isEmpty();
    }
}
