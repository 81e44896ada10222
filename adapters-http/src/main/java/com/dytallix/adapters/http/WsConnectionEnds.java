package com.dytallix.adapters.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Work to run when a WebSocket connection ends, however it ends. Helidon 4.5 tells a WebSocket
 * listener nothing when the client's socket closes without a close frame (a client that vanishes,
 * resets, or closes in the middle of a frame): its reader turns the end of input into a
 * {@code CloseConnectionException} and the connection ends without {@code onClose} or
 * {@code onError}. The relay's WebSocket then kept the connection's slots and subscriptions until
 * its writer's next ping failed, 20 to 40 s later. {@link PieceLimitedWsUpgrade}, which sees every
 * WebSocket connection end, calls {@link #ended}; the listener registers its clean-up under its
 * session (the connection itself, in Helidon).
 */
final class WsConnectionEnds {
    /** By identity: Helidon's connections do not override equals. */
    private static final ConcurrentHashMap<Object, Runnable> ON_END = new ConcurrentHashMap<>();
    /** Work to run before the connection's reader sends a close frame of its own (a client's violation). */
    private static final ConcurrentHashMap<Object, Runnable> ON_CLOSING = new ConcurrentHashMap<>();

    private WsConnectionEnds() {
    }

    /** Runs {@code work} when {@code connection} ends, unless {@link #forget} comes first. */
    static void onEnd(Object connection, Runnable work) {
        ON_END.put(connection, work);
    }

    /**
     * Runs {@code work} when {@code connection}'s reader is about to send a close frame that the listener
     * is not told of (Helidon 4.5 sends it and ends the connection when its reader throws
     * {@code WsCloseException}): the listener's writer must send nothing after it (RFC 6455, 5.5.1).
     */
    static void onClosing(Object connection, Runnable work) {
        ON_CLOSING.put(connection, work);
    }

    /** {@code connection}'s reader is about to send a close frame: the work registered for that runs now, on the caller's thread. */
    static void closing(Object connection) {
        Runnable work = connection == null ? null : ON_CLOSING.get(connection);
        if (work != null) {
            work.run();
        }
    }

    /** The work is done otherwise (the listener was told the connection closed). */
    static void forget(Object connection) {
        ON_END.remove(connection);
        ON_CLOSING.remove(connection);
    }

    /** {@code connection} ended: its work, if any is still registered, runs now, on the caller's thread. */
    static void ended(Object connection) {
        ON_CLOSING.remove(connection);
        Runnable work = ON_END.remove(connection);
        if (work != null) {
            work.run();
        }
    }
}
