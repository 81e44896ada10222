package com.dytallix.adapters.http;

import io.helidon.websocket.WsCloseCodes;
import io.helidon.websocket.WsCloseException;

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
 *       the end of a message included; one cut between two frames of a message is fine).</li>
 * </ul>
 *
 * <p>The bytes before the violation go to Helidon (the frames before it are served), the violating
 * frame never does: the connection is closed with the code when Helidon asks for its next bytes.
 * Used on the connection's own thread only; a state machine over the bytes, whatever the reads'
 * boundaries, holding nothing but a close frame's payload (125 bytes at most).
 */
final class WsFrameCheck {
    private static final int CONTINUATION = 0;
    private static final int TEXT = 1;
    private static final int BINARY = 2;
    private static final int CLOSE = 8;
    private static final int PING = 9;
    private static final int PONG = 10;

    private enum Stage { FIRST, LENGTH, EXTENDED_LENGTH, MASK, PAYLOAD }

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
    private boolean textMessage;
    private final Utf8 text = new Utf8();
    private final byte[] close = new byte[125];
    private WsCloseException violation;

    /**
     * Reads {@code bytes} on from where the last call stopped: the index of the byte that breaks the
     * protocol, or -1 when none does. After a violation nothing more is read ({@link #violation}).
     */
    int scan(byte[] bytes) {
        if (violation != null) {
            return 0;
        }
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
                        }
                        stage = Stage.MASK;
                    }
                }
                case MASK -> {
                    mask[maskAt++] = (byte) b;
                    if (maskAt == 4) {
                        startPayload();
                    }
                }
                case PAYLOAD -> i = payload(bytes, i);
            }
            if (violation != null) {
                return i;
            }
        }
        return -1;
    }

    /** The violation {@link #scan} found, or null. */
    WsCloseException violation() {
        return violation;
    }

    private void first(int b) {
        fin = (b & 0x80) != 0;
        opcode = b & 0x0F;
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
                text.reset();
            }
            if (opcode < CLOSE) {
                inMessage = !fin;
            }
            stage = Stage.LENGTH;
        }
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
            stage = Stage.MASK;
        }
    }

    private void startPayload() {
        maskAt = 0;
        at = 0;
        if (remaining == 0) {
            frameEnd();
        } else {
            stage = Stage.PAYLOAD;
        }
    }

    /** The payload from {@code bytes[from]} on, as far as it goes in them: the index of the last byte read. */
    private int payload(byte[] bytes, int from) {
        int end = remaining < bytes.length - from ? from + (int) remaining : bytes.length;
        if (opcode == TEXT || opcode == CONTINUATION && textMessage) {
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
        return end - 1;
    }

    private void frameEnd() {
        stage = Stage.FIRST;
        if (opcode == CLOSE) {
            closeFrame((int) at);
        } else if (fin && (opcode == TEXT || opcode == CONTINUATION) && textMessage && !text.complete()) {
            violate(WsCloseCodes.NOT_CONSISTENT, "invalid UTF-8 in a text message: it ends inside a character");
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
        for (int i = 2; i < length; i++) {
            if (!reason.next(close[i] & 0xFF)) {
                violate(WsCloseCodes.NOT_CONSISTENT, "invalid UTF-8 in a close reason");
                return;
            }
        }
        if (!reason.complete()) {
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
        private int low = 0x80;
        private int high = 0xBF;

        void reset() {
            needed = 0;
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
                return true;
            }
            if (b < low || b > high) {
                return false;
            }
            needed--;
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
