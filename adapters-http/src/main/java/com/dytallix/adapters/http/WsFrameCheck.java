package com.dytallix.adapters.http;

import io.helidon.websocket.WsCloseCodes;
import io.helidon.websocket.WsCloseException;
import java.util.Arrays;

/**
 * What RFC 6455 asks of a client's frames and Helidon 4.5 does not check, checked on the bytes of a
 * WebSocket connection before Helidon's frame reader gets them ({@link PieceLimitedWsUpgrade.Pieces}).
 * Helidon decodes a text frame's invalid UTF-8 as U+FFFD, answers a fragmented ping, takes a control
 * frame of any length, a close frame with a 1-byte payload or a code no one may send, a continuation
 * frame after a finished message (as more of it), and a new message in the middle of a fragmented one.
 * Here each is a violation, found at the byte that makes it one:
 *
 * <ul>
 *   <li>1002 (protocol error): reserved bits set (no extension is ever agreed), an opcode RFC 6455 does
 *       not define, an unmasked frame, a fragmented control frame, a control frame over 125 bytes, a
 *       continuation frame with no message started, a data frame in the middle of a fragmented
 *       message, a close frame with a 1-byte payload or a code a client may not send;</li>
 *   <li>1007 (invalid data): a text message, or a close reason, that is not UTF-8 (a sequence cut at
 *       the end of a message included; one cut between two frames of a message is fine);</li>
 *   <li>1009 (too big): a frame over the largest the listener takes (WS_MAX_MESSAGE_BYTES), by its
 *       header (Helidon would refuse most such frames itself, but never sees the header of one it gets
 *       re-framed: see below); and a data frame whose payload takes its message's bytes as sent (the
 *       payloads of its frames so far, UTF-8 for a text message) over the same limit, also by its
 *       header, before its payload is read. The message's limit is thus one exact count of bytes, not
 *       of the characters they decode to (a message of 3-byte characters would otherwise reach three
 *       times the limit).</li>
 * </ul>
 *
 * <p>The bytes before the violation go to Helidon (the frames before it are served), the violating
 * frame never does: the connection is closed with the code when Helidon asks for its next bytes.
 *
 * <p>Helidon also decodes each frame of a fragmented text message on its own, so a character split
 * between two frames (RFC 6455 allows any split) reached the relay as U+FFFD. The frames of a
 * fragmented text message are therefore handed on re-framed: each stretch of a frame's payload that
 * arrives in one read becomes a frame of its own (masked with a zero key, its payload unmasked here)
 * that ends between characters, the 1–3 bytes of a character still unfinished carried over to the
 * next. Helidon thus gets the same text in frames that each decode whole; the message's last frame
 * is the last it gets. Everything else (single-frame messages, binary messages, control frames, also
 * those between the frames of a message) is handed on byte for byte, as read.
 *
 * <p>Used on the connection's own thread only; a state machine over the bytes, whatever the reads'
 * boundaries, holding nothing but a close frame's payload (125 bytes at most) and a character's
 * carried bytes (3 at most) from one read to the next.
 */
final class WsFrameCheck {
    private static final int CONTINUATION = 0;
    private static final int TEXT = 1;
    private static final int BINARY = 2;
    private static final int CLOSE = 8;
    private static final int PING = 9;
    private static final int PONG = 10;
    private static final byte[] NOTHING = new byte[0];

    private enum Stage { FIRST, LENGTH, EXTENDED_LENGTH, MASK, PAYLOAD }

    private final int maxFrameLength;
    private Stage stage = Stage.FIRST;
    private boolean fin;
    private int opcode;
    /** Bytes of the extended length still to come (2 or 8 in all). */
    private int lengthBytes;
    private long remaining;
    private final byte[] mask = new byte[4];
    private int maskAt;
    /** Where in the payload the next byte is (its mask byte is {@code mask[at & 3]}). */
    private long at;
    /** A message's frames are arriving: a continuation is expected, a new message is not. */
    private boolean inMessage;
    /** The payload bytes of the current data message's frames so far, the frame being read included. */
    private long messageBytes;
    private boolean textMessage;
    private final Utf8 text = new Utf8();
    private final byte[] close = new byte[125];
    private WsCloseException violation;

    /** The frame being read belongs to a fragmented text message: it is handed on re-framed, not as read. */
    private boolean reframed;
    /** A frame of the fragmented text message was handed on: the next one handed on is a continuation. */
    private boolean messageHandedOn;
    /** The unmasked bytes of a character the payload handed on so far left unfinished (at most 3). */
    private final byte[] carry = new byte[3];
    private int carried;
    /** What the current {@link #pass} call hands on, once it differs from the read; null while it does not. */
    private byte[] out;
    private int outLength;
    /** Where in the current read the bytes not yet handed on, nor replaced, start. */
    private int passFrom;

    /** A check for frames of at most {@code maxFrameLength} bytes (the WebSocket listener's limit, WS_MAX_MESSAGE_BYTES). */
    WsFrameCheck(int maxFrameLength) {
        this.maxFrameLength = maxFrameLength;
    }

    /**
     * Reads {@code bytes} on from where the last call stopped and returns what to hand Helidon for them:
     * {@code bytes} itself when they hold no frame of a fragmented text message (the usual case: nothing
     * is copied), else the same frames with those re-framed; cut before the byte that breaks the protocol
     * if one does ({@link #violation}). Empty when nothing is to be handed on yet (a header, or a part of
     * a character, of a fragmented text message's frame) or after a violation.
     */
    byte[] pass(byte[] bytes) {
        if (violation != null) {
            return NOTHING;
        }
        passFrom = 0;
        int end = scan(bytes);
        if (out == null) {
            return end == bytes.length ? bytes : Arrays.copyOf(bytes, end);
        }
        flush(bytes, end);
        byte[] passed = Arrays.copyOf(out, outLength);
        out = null;
        outLength = 0;
        return passed;
    }

    /** The index of the byte in {@code bytes} that breaks the protocol, or their length when none does. */
    private int scan(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xFF;
            switch (stage) {
                case FIRST -> first(b);
                case LENGTH -> length(b);
                case EXTENDED_LENGTH -> {
                    remaining = remaining << 8 | b;
                    if (--lengthBytes == 0) {
                        if (remaining < 0) {
                            violate(WsCloseCodes.PROTOCOL_ERROR, "a negative payload length");
                        } else {
                            lengthRead();
                        }
                    }
                }
                case MASK -> {
                    mask[maskAt++] = (byte) b;
                    if (maskAt == 4) {
                        startPayload(bytes, i);
                    }
                }
                case PAYLOAD -> {
                    i = payload(bytes, i);
                    if (violation != null) {
                        return i;
                    }
                    continue; // a re-framed payload was handed on (or kept) by payload()
                }
            }
            if (violation != null) {
                return i;
            }
            if (reframed) {
                flush(bytes, i); // a header byte of a re-framed frame: replaced by the frames handed on
                passFrom = i + 1;
            }
        }
        return bytes.length;
    }

    /** The violation {@link #pass} found, or null. */
    WsCloseException violation() {
        return violation;
    }

    private void first(int b) {
        fin = (b & 0x80) != 0;
        opcode = b & 0x0F;
        reframed = false;
        if ((b & 0x70) != 0) {
            violate(WsCloseCodes.PROTOCOL_ERROR, "reserved bits set; no extension was agreed");
        } else if (opcode != CONTINUATION && opcode != TEXT && opcode != BINARY && opcode != CLOSE && opcode != PING && opcode != PONG) {
            violate(WsCloseCodes.PROTOCOL_ERROR, "unknown opcode " + opcode);
        } else if (opcode >= CLOSE && !fin) {
            violate(WsCloseCodes.PROTOCOL_ERROR, "a control frame must not be fragmented");
        } else if (opcode == CONTINUATION && !inMessage) {
            violate(WsCloseCodes.PROTOCOL_ERROR, "a continuation frame with no message started");
        } else if ((opcode == TEXT || opcode == BINARY) && inMessage) {
            violate(WsCloseCodes.PROTOCOL_ERROR, "a new message before the last one's final frame");
        } else {
            if (opcode == TEXT || opcode == BINARY) {
                textMessage = opcode == TEXT;
                messageBytes = 0;
                text.reset();
                carried = 0;
                messageHandedOn = false;
            }
            if (opcode < CLOSE) {
                inMessage = !fin;
            }
            // a text message in one frame (the usual case) goes as it is; the frames of one in several are re-framed
            reframed = textFrame() && !(opcode == TEXT && fin);
            stage = Stage.LENGTH;
        }
    }

    /** The frame being read carries (part of) a text message: its payload is UTF-8 checked. */
    private boolean textFrame() {
        return opcode == TEXT || opcode == CONTINUATION && textMessage;
    }

    private void length(int b) {
        if ((b & 0x80) == 0) {
            violate(WsCloseCodes.PROTOCOL_ERROR, "a client's frame must be masked");
            return;
        }
        int length = b & 0x7F;
        if (opcode >= CLOSE && length > 125) {
            violate(WsCloseCodes.PROTOCOL_ERROR, "a control frame over 125 bytes");
        } else if (opcode == CLOSE && length == 1) {
            violate(WsCloseCodes.PROTOCOL_ERROR, "a close frame with a 1-byte payload");
        } else if (length >= 126) {
            lengthBytes = length == 126 ? 2 : 8;
            remaining = 0;
            stage = Stage.EXTENDED_LENGTH;
        } else {
            remaining = length;
            lengthRead();
        }
    }

    /**
     * The payload's length is known: the mask comes next. A frame over the largest is refused here,
     * by its header: Helidon would refuse it too ("Payload too large"), but never sees the header of
     * a frame it gets re-framed. So is a data frame that would take its message over the same number
     * of bytes, before any of its payload is read.
     */
    private void lengthRead() {
        if (remaining > maxFrameLength) {
            violate(WsCloseCodes.TOO_BIG, "a frame over " + maxFrameLength + " bytes");
        } else if (opcode < CLOSE && messageBytes + remaining > maxFrameLength) {
            violate(WsCloseCodes.TOO_BIG, "a message over " + maxFrameLength + " bytes");
        } else {
            if (opcode < CLOSE) {
                messageBytes += remaining;
            }
            stage = Stage.MASK;
        }
    }

    /** The mask's last byte, {@code bytes[i]}, was read. */
    private void startPayload(byte[] bytes, int i) {
        maskAt = 0;
        at = 0;
        if (remaining == 0) {
            frameEnd();
            if (reframed && violation == null) {
                handOn(bytes, i, i, 0);
            }
        } else {
            stage = Stage.PAYLOAD;
        }
    }

    /** The payload from {@code bytes[from]} on, as far as it goes in them: the index of the last byte read. */
    private int payload(byte[] bytes, int from) {
        int end = remaining < bytes.length - from ? from + (int) remaining : bytes.length;
        long start = at;
        if (reframed) {
            flush(bytes, from);
            passFrom = end; // handed on re-framed below, or never (a violation)
        }
        if (textFrame()) {
            int m = (int) (at & 3);
            for (int i = from; i < end; i++, m = (m + 1) & 3) {
                int b = (bytes[i] ^ mask[m]) & 0xFF;
                // ASCII outside a character: most of a JSON-RPC message, looked at no further
                if ((b >= 0x80 || text.needed != 0) && !text.next(b)) {
                    violate(WsCloseCodes.NOT_CONSISTENT, "invalid UTF-8 in a text message");
                    return i;
                }
            }
            at += end - from;
        } else if (opcode == CLOSE) {
            for (int i = from; i < end; i++, at++) {
                close[(int) at] = (byte) (bytes[i] ^ mask[(int) (at & 3)]);
            }
        } else {
            at += end - from;
        }
        remaining -= end - from;
        if (remaining == 0) {
            frameEnd();
        }
        if (reframed && violation == null) {
            handOn(bytes, from, end, (int) (start & 3));
        }
        return end - 1;
    }

    private void frameEnd() {
        stage = Stage.FIRST;
        if (opcode == CLOSE) {
            closeFrame((int) at);
        } else if (fin && textFrame() && !text.complete()) {
            violate(WsCloseCodes.NOT_CONSISTENT, "invalid UTF-8 in a text message: it ends inside a character");
        }
    }

    /**
     * Hands on the stretch {@code bytes[from..end)} of a re-framed frame's payload (its first byte masked
     * with {@code mask[m]}), after the bytes carried: as a frame that ends after the last whole
     * character, the bytes of one unfinished carried over. The frame's end is handed on even when
     * empty (a message's last frame must reach Helidon), an empty stretch before it is not.
     */
    private void handOn(byte[] bytes, int from, int end, int m) {
        int total = carried + end - from;
        int keep = text.pending();
        int length = total - keep;
        boolean last = stage == Stage.FIRST && fin;
        if (length > 0 || last) {
            flush(bytes, from);
            // never over the largest frame: the bytes carried and this stretch are all of the message's bytes, at most that
            frameHeader(last, length);
            copy(bytes, from, m, 0, length);
        }
        for (int j = length; j < total; j++) { // to the front: never over a byte still to be read
            carry[j - length] = j < carried ? carry[j] : (byte) (bytes[from + j - carried] ^ mask[(m + j - carried) & 3]);
        }
        carried = keep;
    }

    /** A re-framed frame's header: masked, with a zero key, as its payload is copied unmasked. */
    private void frameHeader(boolean last, int length) {
        room(14);
        out[outLength++] = (byte) ((last ? 0x80 : 0) | (messageHandedOn ? CONTINUATION : TEXT));
        messageHandedOn = !last;
        if (length < 126) {
            out[outLength++] = (byte) (0x80 | length);
        } else if (length < 65536) {
            out[outLength++] = (byte) (0x80 | 126);
            out[outLength++] = (byte) (length >>> 8);
            out[outLength++] = (byte) length;
        } else {
            out[outLength++] = (byte) (0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out[outLength++] = (byte) ((long) length >>> shift);
            }
        }
        outLength += 4; // the zero key: out's bytes start as zeros and are never written twice
    }

    /** Bytes {@code [start, start + length)} of the carried bytes followed by {@code bytes[from..)} unmasked. */
    private void copy(byte[] bytes, int from, int m, int start, int length) {
        room(length);
        int j = start;
        for (; j < carried && j < start + length; j++) {
            out[outLength++] = carry[j];
        }
        for (int i = from + j - carried, k = (m + j - carried) & 3; j < start + length; j++, i++, k = (k + 1) & 3) {
            out[outLength++] = (byte) (bytes[i] ^ mask[k]);
        }
    }

    /** Hands on {@code bytes[passFrom..upTo)} as read, the first time after copying nothing of the read. */
    private void flush(byte[] bytes, int upTo) {
        if (out == null) {
            out = new byte[bytes.length + 64];
        }
        if (passFrom < upTo) {
            room(upTo - passFrom);
            System.arraycopy(bytes, passFrom, out, outLength, upTo - passFrom);
            outLength += upTo - passFrom;
            passFrom = upTo;
        }
    }

    private void room(int more) {
        if (outLength + more > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, outLength + more));
        }
    }

    private void closeFrame(int length) {
        if (length < 2) {
            return; // no code (a 1-byte payload was refused by its length)
        }
        int code = (close[0] & 0xFF) << 8 | close[1] & 0xFF;
        if (!mayBeSent(code)) {
            violate(WsCloseCodes.PROTOCOL_ERROR, "close code " + code + " is not one a client may send");
            return;
        }
        Utf8 reason = new Utf8();
        boolean valid = true;
        for (int i = 2; i < length && valid; i++) {
            valid = reason.next(close[i] & 0xFF);
        }
        if (!valid || !reason.complete()) {
            violate(WsCloseCodes.NOT_CONSISTENT, "invalid UTF-8 in a close reason");
        }
    }

    /**
     * The codes a close frame may carry: those RFC 6455 defines for an endpoint to send (1000–1003,
     * 1007–1011), those IANA registered since (1012–1014), and the ones for libraries and
     * applications (3000–4999). 1004–1006 and 1015 are reserved, never sent.
     */
    static boolean mayBeSent(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    private void violate(int code, String reason) {
        violation = new WsCloseException(reason, code);
    }

    /** UTF-8 as RFC 3629 defines it, a byte at a time: no overlong forms, no surrogates, nothing past U+10FFFF. */
    static final class Utf8 {
        /** Continuation bytes still expected. */
        private int needed;
        /** Bytes of the character being read so far; 0 between characters. */
        private int seen;
        private int low = 0x80;
        private int high = 0xBF;

        void reset() {
            needed = 0;
            seen = 0;
        }

        /** The bytes of a character still unfinished: 0 between characters. */
        int pending() {
            return needed == 0 ? 0 : seen;
        }

        /** Whether {@code b} may come next. */
        boolean next(int b) {
            if (needed == 0) {
                if (b < 0x80) {
                    return true;
                }
                low = 0x80;
                high = 0xBF;
                if (b >= 0xC2 && b <= 0xDF) {
                    needed = 1;
                } else if (b >= 0xE0 && b <= 0xEF) {
                    needed = 2;
                    if (b == 0xE0) {
                        low = 0xA0;
                    } else if (b == 0xED) {
                        high = 0x9F;
                    }
                } else if (b >= 0xF0 && b <= 0xF4) {
                    needed = 3;
                    if (b == 0xF0) {
                        low = 0x90;
                    } else if (b == 0xF4) {
                        high = 0x8F;
                    }
                } else {
                    return false;
                }
                seen = 1;
                return true;
            }
            if (b < low || b > high) {
                return false;
            }
            needed--;
            seen++;
            low = 0x80;
            high = 0xBF;
            return true;
        }

        /** No character was left unfinished. */
        boolean complete() {
            return needed == 0;
        }
    }
}
