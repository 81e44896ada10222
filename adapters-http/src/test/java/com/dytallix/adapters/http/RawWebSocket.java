package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket on /api/rpc spoken frame by frame over a raw socket, for the tests that send what no
 * WebSocket client would (bad UTF-8, fragmented pings, reserved bits).
 */
final class RawWebSocket implements AutoCloseable {
    static final int CONTINUATION = 0x0;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;
    static final int FIN = 0x80;
    private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};

    /** A frame from the server. */
    record Frame(int opcode, boolean fin, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** A close frame's code, or 1005 (none) when it has no payload. */
        int closeCode() {
            return payload.length < 2 ? 1005 : (payload[0] & 0xFF) << 8 | payload[1] & 0xFF;
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = socket.getInputStream();
    }

    /** Upgrades {@code socket}'s connection to the relay's WebSocket (a 5 s read timeout from then on). */
    static RawWebSocket upgrade(Socket socket) throws IOException {
        socket.setSoTimeout(5000);
        socket.getOutputStream().write(("GET /api/rpc HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the server closed during the handshake: " + head);
            }
            head.append((char) c);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101");
        return new RawWebSocket(socket);
    }

    static RawWebSocket open(int port) throws IOException {
        return upgrade(RawHttp.connect(port));
    }

    Socket socket() {
        return socket;
    }

    /** A masked frame: {@code first} is its first byte (FIN, reserved bits, opcode) as sent. */
    static byte[] frame(int first, byte[] payload) {
        return frame(first, true, payload);
    }

    /** A frame, masked or not, with the shortest length encoding for its payload. */
    static byte[] frame(int first, boolean masked, byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(first);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            f.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            f.write(maskBit | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length & 0xFF);
        } else {
            f.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                f.write((int) ((long) payload.length >>> shift) & 0xFF);
            }
        }
        if (masked) {
            f.writeBytes(MASK);
        }
        for (int i = 0; i < payload.length; i++) {
            f.write(masked ? payload[i] ^ MASK[i & 3] : payload[i]);
        }
        return f.toByteArray();
    }

    /** A close frame's payload: the code, then the reason's bytes. */
    static byte[] closePayload(int code, byte... reason) {
        byte[] payload = new byte[2 + reason.length];
        payload[0] = (byte) (code >>> 8);
        payload[1] = (byte) code;
        System.arraycopy(reason, 0, payload, 2, reason.length);
        return payload;
    }

    /** The frames back to back: what arrives in one read when sent in one write. */
    static byte[] concat(byte[]... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            out.writeBytes(f);
        }
        return out.toByteArray();
    }

    RawWebSocket send(byte[]... frames) throws IOException {
        for (byte[] frame : frames) {
            out.write(frame);
        }
        out.flush();
        return this;
    }

    RawWebSocket sendText(String text) throws IOException {
        return send(frame(FIN | TEXT, text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The server's next frame; null when it ended the connection (or reset it) instead. */
    Frame read() throws IOException {
        try {
            int first = in.read();
            if (first < 0) {
                return null;
            }
            int second = in.readNBytes(1)[0] & 0xFF;
            long length = second & 0x7F;
            if (length == 126) {
                byte[] b = in.readNBytes(2);
                length = (b[0] & 0xFF) << 8 | b[1] & 0xFF;
            } else if (length == 127) {
                length = 0;
                for (byte b : in.readNBytes(8)) {
                    length = length << 8 | b & 0xFF;
                }
            }
            byte[] payload = in.readNBytes((int) length);
            if (payload.length < length) {
                return null;
            }
            return new Frame(first & 0x0F, (first & 0x80) != 0, payload);
        } catch (SocketException | ArrayIndexOutOfBoundsException reset) {
            return null;
        }
    }

    /**
     * The server's frames up to its close frame, whose code is returned; -1 when it ended the connection
     * without one, -2 when it sent nothing for the socket's read timeout (5 s unless set) (the connection stayed open).
     */
    int closeCode() throws IOException {
        try {
            for (Frame f = read(); f != null; f = read()) {
                if (f.opcode() == CLOSE) {
                    return f.closeCode();
                }
            }
            return -1;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return -2;
        }
    }

    /** The server's next text frame, skipping its pings. */
    String nextText() throws IOException {
        for (Frame f = read(); f != null; f = read()) {
            if (f.opcode() == TEXT) {
                return f.text();
            }
        }
        throw new EOFException("the server ended the connection");
    }

    /** Whether the server has ended the connection once its close frame is read (it sends nothing more). */
    boolean endedAfterClose() throws IOException {
        return read() == null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
