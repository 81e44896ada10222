package com.dytallix.adapters.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * Raw bytes to a server and what it answers, for the tests that send what no HTTP client would
 * (smuggled requests, slow or malformed ones). Shared by the HTTP adapter's tests and the
 * end-to-end fuzzing.
 */
public final class RawHttp {
    /**
     * What the server sent: {@code closed} when it ended the connection (a reset after its answer
     * counts), not when the reading stopped because the server went quiet or the caller had enough.
     */
    public record Received(byte[] bytes, boolean closed) {
        public String text() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    private RawHttp() {
    }

    /** A connection to the loopback port. */
    public static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return socket;
    }

    /** A connection to the loopback port from the loopback address {@code from} (127.0.0.2, say: another client). */
    public static Socket connect(int port, String from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return socket;
    }

    /**
     * Writes {@code request} on {@code socket} and reads until the server closes it (10 s at most
     * between reads), then closes it: the answer, or "reset: …" when the server reset the connection.
     */
    public static String exchange(Socket socket, String request) throws IOException {
        try (socket) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (SocketException e) {
            return "reset: " + e.getMessage();
        }
    }

    /** The body of an answer read whole: what follows its headers. */
    public static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    /**
     * Writes {@code request} on a fresh connection and reads the answer: see
     * {@link #read(Socket, Duration, Duration, Predicate)}. A server that answers and closes before
     * the whole request is written is read all the same.
     */
    public static Received exchange(int port, byte[] request, Duration firstByte, Duration quiet, Predicate<String> enough)
            throws IOException {
        try (Socket socket = connect(port)) {
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (SocketException closedEarly) {
                // the server answered (or hung up) before reading everything: read what it said
            }
            return read(socket, firstByte, quiet, enough);
        }
    }

    /**
     * Reads until the server closes the connection, or sends nothing for {@code firstByte} (before
     * anything came) or {@code quiet} (after), or {@code enough} holds for what came so far.
     */
    public static Received read(Socket socket, Duration firstByte, Duration quiet, Predicate<String> enough) throws IOException {
        socket.setSoTimeout((int) firstByte.toMillis());
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
                if (enough.test(got.toString(StandardCharsets.ISO_8859_1))) {
                    return new Received(got.toByteArray(), false);
                }
                socket.setSoTimeout((int) quiet.toMillis());
            }
        } catch (SocketTimeoutException stillOpen) {
            return new Received(got.toByteArray(), false);
        } catch (SocketException reset) {
            // reset after the answer: closed all the same
        }
        return new Received(got.toByteArray(), true);
    }

    /** Never enough: read until the server closes or goes quiet. */
    public static boolean untilClosed(String received) {
        return false;
    }
}
