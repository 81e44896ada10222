package com.dytallix.adapters.http;

import com.dytallix.domain.MemoryBudget;
import io.helidon.common.Weight;
import io.helidon.common.Weighted;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.http1.spi.Http1RoutedUpgrade;
import io.helidon.webserver.http1.spi.Http1RoutedUpgrader;
import io.helidon.webserver.http1.spi.Http1UpgradeResult;
import io.helidon.webserver.http1.spi.Http1UpgradeProvider;
import io.helidon.webserver.http1.spi.Http1Upgrader;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsUpgrader;
import io.helidon.websocket.WsCloseCodes;
import io.helidon.websocket.WsCloseException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * Helidon's WebSocket upgrade, with a bound on the pieces a frame still arriving is held in.
 *
 * <p>The web server keeps every socket read of a frame in progress as its own array in a list until
 * the frame is complete, and sums that list each time it reads again. A client that sends a frame one
 * byte per TCP segment therefore makes each byte cost about 60 bytes of heap and each read cost a walk
 * of everything held: a few such clients exhaust the heap or a core long before the frame-size limit
 * or the ping timeout applies. Here the WebSocket connection reads through a reader of its own that
 * counts the reads it holds; past {@link #maxPieces(int)} the connection is closed with 1009 (message
 * too big) and a reason. A frame arriving in ordinary segments (hundreds of bytes each or more) never
 * comes near the bound, so what a connection can hold stays about twice WS_MAX_MESSAGE_BYTES.
 *
 * <p>What all connections hold in frames still arriving is bounded too, by a quarter of the heap
 * ({@link #FRAMES}): a crowd holding frames open (all but their last byte sent) would otherwise take
 * WS_MAX_CONNECTIONS times WS_MAX_MESSAGE_BYTES, more than the shipped heap. A read that would pass the
 * bound closes its connection with 1013 (try again later). A frame is counted from its first read
 * until the connection reads again after handling it.
 *
 * <p>The reader also refuses what RFC 6455 forbids a client and Helidon lets through ({@link WsFrameCheck}):
 * a read is handed on up to the byte that breaks the protocol, and the next closes the connection with
 * 1002, 1007 or 1009. It hands on the frames of a fragmented text message re-framed so that none ends
 * inside a character: Helidon decodes each frame alone, and a character split between two frames
 * would otherwise reach the listener as U+FFFD.
 *
 * <p>Found by {@link java.util.ServiceLoader} ({@code META-INF/services}); its weight puts it before
 * Helidon's own provider for the same protocol, whose upgrader does the handshake as before.
 */
@Weight(Weighted.DEFAULT_WEIGHT + 100)
public final class PieceLimitedWsUpgrade implements Http1UpgradeProvider<WsConfig> {
    private static final HeaderName WS_KEY = HeaderNames.create("Sec-WebSocket-Key");
    static final HeaderName WS_VERSION = HeaderNames.create("Sec-WebSocket-Version");
    /** What one read held costs beyond its bytes: its array's header and the reader's list node. */
    static final int PIECE_OVERHEAD = 64;
    /** Frames still arriving, all connections of this process together: at most a quarter of the heap. */
    static final MemoryBudget FRAMES = MemoryBudget.partOfProcess(Runtime.getRuntime().maxMemory() / 4);

    /** The reads a frame still arriving may be held in: 1 per 64 bytes of the largest frame, and never fewer than 256. */
    static int maxPieces(int maxFrameLength) {
        return Math.max(256, maxFrameLength / 64);
    }

    @Override
    public String protocolType() {
        return "websocket";
    }

    @Override
    public Class<WsConfig> protocolConfigType() {
        return WsConfig.class;
    }

    @Override
    public Http1Upgrader create(WsConfig config, ProtocolConfigs configs) {
        return new Upgrader((Http1RoutedUpgrader) WsUpgrader.create(config), config.maxFrameLength(), FRAMES);
    }

    private record Upgrader(Http1RoutedUpgrader helidon, int maxFrameLength, MemoryBudget frames) implements Http1RoutedUpgrader {
        @Override
        public String supportedProtocol() {
            return helidon.supportedProtocol();
        }

        @Override
        public ServerConnection upgrade(ConnectionContext ctx, HttpPrologue prologue, WritableHeaders<?> headers) {
            if (!handshake(prologue, headers)) {
                return null;
            }
            Context context = new Context(ctx, maxFrameLength, frames);
            ServerConnection connection = helidon.upgrade(context, prologue, headers);
            context.upgraded = connection;
            return connection == null ? null : new EndingConnection(new EndsOnViolation(connection), () -> ended(context, connection));
        }

        @Override
        public Optional<Http1RoutedUpgrade> routedUpgrade(ConnectionContext ctx, HttpPrologue prologue,
                                                           WritableHeaders<?> headers) {
            if (!handshake(prologue, headers)) {
                // not upgraded: routed as a plain request (GET /api/rpc answers 426 with Sec-WebSocket-Version: 13)
                return Optional.empty();
            }
            Context context = new Context(ctx, maxFrameLength, frames);
            return helidon.routedUpgrade(context, prologue, headers).map(upgrade -> (response, upgradeHeaders) -> {
                refuseBadHandshake(headers);
                Http1UpgradeResult result = upgrade.upgrade(response, upgradeHeaders);
                return result.connection().map(c -> {
                    context.upgraded = c;
                    return Http1UpgradeResult.upgraded(new EndingConnection(new EndsOnViolation(c), () -> ended(context, c)));
                }).orElse(result);
            });
        }

        /**
         * A GET asking for version 13: anything else is routed as the request it is, not refused before
         * routing (Helidon's refusal of another method cannot tell a HEAD, whose answer has no body).
         */
        static boolean handshake(HttpPrologue prologue, Headers headers) {
            return Method.GET.equals(prologue.method()) && version13(headers);
        }

        /**
         * Whether the handshake asks for the one version of the protocol there is (RFC 6455, section 4.2.2):
         * exactly one Sec-WebSocket-Version, 13. Helidon 4.5 upgrades a handshake without one and
         * answers another version with a 400; RFC 6455 asks for 426 and the version it speaks.
         */
        static boolean version13(Headers headers) {
            if (!headers.contains(WS_VERSION)) {
                return false;
            }
            List<String> versions = headers.all(WS_VERSION, List::of);
            return versions.size() == 1 && versions.getFirst().strip().equals("13");
        }

        /**
         * What Helidon 4.5 does not check of a handshake before it uses it: a Sec-WebSocket-Key that is
         * not base64 made its accept hash throw (a 500 with an ERROR and a stack trace). RFC 6455: the
         * key is 16 bytes in base64 (Java's decoder, as Helidon's, also takes it without its padding).
         */
        private static void refuseBadHandshake(WritableHeaders<?> headers) {
            String key = headers.first(WS_KEY).orElse("");
            boolean valid;
            try {
                valid = Base64.getDecoder().decode(key.strip()).length == 16;
            } catch (IllegalArgumentException e) {
                valid = false;
            }
            if (!valid) {
                throw new ApiException(400, "INVALID_REQUEST", "Sec-WebSocket-Key must be 16 random bytes in base64 (RFC 6455)");
            }
        }

        /** The connection ended: its frames' memory goes back, and its listener hears of it if Helidon did not tell it. */
        private static void ended(Context context, ServerConnection connection) {
            context.release();
            WsConnectionEnds.ended(connection);
        }
    }

    /**
     * Helidon's WebSocket connection, whose refusal of a frame that breaks the protocol (an unknown
     * opcode, say: Helidon 4.5 throws {@code IllegalStateException} or {@code IllegalArgumentException}
     * from its frame reader) ends the connection quietly. {@link WsFrameCheck} refuses such frames
     * first, with a close frame; this stays for whatever else Helidon's reader throws on. Left to Helidon, the throw reached the HTTP/1
     * connection under it, which answered an HTTP 400 on the WebSocket's socket and logged a warning
     * for every such frame: a client could write warnings into the log at will.
     */
    private record EndsOnViolation(ServerConnection connection) implements WrappingConnection {
        private static final System.Logger LOG = System.getLogger(PieceLimitedWsUpgrade.class.getName());

        @Override
        public void handle(Limit limit) throws InterruptedException {
            try {
                connection.handle(limit);
            } catch (IllegalStateException | IllegalArgumentException violation) {
                LOG.log(System.Logger.Level.DEBUG, "websocket closed: the client broke the protocol ({0})", violation.getMessage());
                throw new CloseConnectionException("the WebSocket client broke the protocol", violation);
            }
        }
    }

    /** The connection's context, but for the reader the WebSocket connection takes from it. */
    private static final class Context implements ConnectionContext {
        private final ConnectionContext connection;
        private final int maxFrameLength;
        private final MemoryBudget frames;
        private Pieces pieces;
        /** The WebSocket connection reading through this context, once upgraded (the key of {@link WsConnectionEnds}). */
        volatile ServerConnection upgraded;

        Context(ConnectionContext connection, int maxFrameLength, MemoryBudget frames) {
            this.connection = connection;
            this.maxFrameLength = maxFrameLength;
            this.frames = frames;
        }

        /** Made when the upgrade succeeds: a refused handshake leaves the HTTP/1 connection's reader untouched. */
        @Override
        public DataReader dataReader() {
            if (pieces == null) {
                pieces = new Pieces(connection.dataReader(), maxPieces(maxFrameLength), frames, new WsFrameCheck(maxFrameLength));
                pieces.closing = () -> WsConnectionEnds.closing(upgraded);
            }
            return pieces.reader;
        }

        /** The WebSocket connection ended, however it ended: what its frames still held of {@link #FRAMES} is given back. */
        void release() {
            if (pieces != null) {
                pieces.release();
            }
        }

        @Override
        public ListenerContext listenerContext() {
            return connection.listenerContext();
        }

        @Override
        public ExecutorService executor() {
            return connection.executor();
        }

        @Override
        public DataWriter dataWriter() {
            return connection.dataWriter();
        }

        @Override
        public Router router() {
            return connection.router();
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            return connection.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return connection.serverSocket();
        }

        @Override
        public PeerInfo remotePeer() {
            return connection.remotePeer();
        }

        @Override
        public PeerInfo localPeer() {
            return connection.localPeer();
        }

        @Override
        public boolean isSecure() {
            return connection.isSecure();
        }

        @Override
        public String socketId() {
            return connection.socketId();
        }

        @Override
        public String childSocketId() {
            return connection.childSocketId();
        }
    }

    /**
     * Hands the socket's reads to the WebSocket reader one by one, remembering where each ends, so it
     * knows how many the reader still holds (the reader drops a read once it is consumed). Each read
     * held is counted in the frame budget until consumed. Used on the connection's own thread only.
     */
    static final class Pieces implements Supplier<byte[]> {
        private final DataReader socket;
        private final int maxPieces;
        private final MemoryBudget frames;
        final DataReader reader = new DataReader(this);
        /** End offsets of the reads handed over and not yet consumed, oldest first: a ring that grows to {@link #maxPieces}. */
        private long[] ends = new long[8];
        private int oldest;
        private int held;
        private long handedOver;
        /** Where the oldest read held starts: everything before it is consumed and given back. */
        private long givenBackTo;
        /** The frames' check, or null where the bytes are not frames (the tests of the pieces' accounting). */
        private final WsFrameCheck check;
        /** Told before each close this reader causes (Helidon sends the close frame when the reader throws). */
        Runnable closing = () -> { };

        /**
         * A reader over {@code socket}'s bytes (those it holds already first) that refuses to hold more
         * than {@code maxPieces} reads, and hands on what {@code check} makes of each read: no byte that
         * breaks the protocol, a fragmented text message re-framed. A read it makes nothing of yet (a
         * re-framed frame's header, part of a character) is not handed on: the socket is read again.
         */
        Pieces(DataReader socket, int maxPieces, MemoryBudget frames, WsFrameCheck check) {
            this.socket = socket;
            this.maxPieces = maxPieces;
            this.frames = frames;
            this.check = check;
        }

        @Override
        public byte[] get() {
            if (check != null && check.violation() != null) {
                throw closes(check.violation()); // the frames before it are served: the violating one never arrives whole
            }
            long consumed = handedOver - reader.available();
            while (held > 0 && ends[oldest] <= consumed) {
                giveBack(ends[oldest]);
                oldest = (oldest + 1) % ends.length;
                held--;
            }
            if (held == maxPieces) {
                throw closes(new WsCloseException("a frame arrived in more than " + maxPieces + " pieces", WsCloseCodes.TOO_BIG));
            }
            if (held == ends.length) {
                long[] larger = new long[Math.min(maxPieces, ends.length * 2)];
                for (int i = 0; i < held; i++) {
                    larger[i] = ends[(oldest + i) % ends.length];
                }
                ends = larger;
                oldest = 0;
            }
            byte[] piece;
            do {
                socket.ensureAvailable(); // the next read of the socket, or what the upgrade request left
                piece = socket.readBytes(socket.available());
                if (check != null) {
                    piece = check.pass(piece); // cut before a violation; a fragmented text message re-framed
                    if (piece.length == 0 && check.violation() != null) {
                        throw closes(check.violation());
                    }
                }
            } while (piece.length == 0); // a read that gave nothing to hand on yet (part of a re-framed frame's header, say)
            if (!frames.take(piece.length + (long) PIECE_OVERHEAD)) {
                throw closes(new WsCloseException("the server holds too many WebSocket frames still arriving; try again later",
                        WsCloseCodes.TRY_AGAIN_LATER));
            }
            handedOver += piece.length;
            ends[(oldest + held) % ends.length] = handedOver;
            held++;
            return piece;
        }

        /** {@code close}, once whoever writes on the connection knows that a close frame goes first. */
        private WsCloseException closes(WsCloseException close) {
            closing.run();
            return close;
        }

        private void giveBack(long end) {
            frames.give(end - givenBackTo + PIECE_OVERHEAD);
            givenBackTo = end;
        }

        /** The connection ended: whatever its reader still held is given back. */
        void release() {
            while (held > 0) {
                giveBack(ends[oldest]);
                oldest = (oldest + 1) % ends.length;
                held--;
            }
        }
    }
}
