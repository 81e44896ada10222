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

    private WsConnectionEnds() {
    }

    /** Runs {@code work} when {@code connection} ends, unless {@link #forget} comes first. */
    static void onEnd(Object connection, Runnable work) {
        ON_END.put(connection, work);
    }

    /** The work is done otherwise (the listener was told the connection closed). */
    static void forget(Object connection) {
        ON_END.remove(connection);
    }

    /** {@code connection} ended: its work, if any is still registered, runs now, on the caller's thread. */
    static void ended(Object connection) {
        Runnable work = ON_END.remove(connection);
        if (work != null) {
            work.run();
        }
    }
}
