package com.dytallix.adapters.http;

import com.dytallix.domain.MemoryBudget;
import com.dytallix.application.subscription.ChainFeed;
import com.dytallix.application.subscription.LogFilter;
import com.dytallix.application.subscription.Subscriber;
import com.dytallix.application.subscription.SubscriptionLimitException;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.sync.ChainLog;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;
import io.helidon.websocket.WsCloseCodes;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * JSON-RPC over WebSocket on {@code GET /api/rpc} (Upgrade): every request and batch goes through
 * the same relay policy as {@code POST /api/rpc} (answers, ids and errors alike), plus
 * {@code eth_subscribe} ({@code newHeads}, {@code logs} with an address/topics filter) and
 * {@code eth_unsubscribe}, served from the one {@link ChainFeed}.
 *
 * <p>Limits, each refused politely: WS_MAX_CONNECTIONS in all and WS_MAX_CONNECTIONS_PER_CLIENT from one
 * client (an IPv6 client by its IPV6_CLIENT_PREFIX), so that one client cannot take every slot (the
 * connection is accepted and closed at once with 1013 "try again later" and the reason); WS_MAX_SUBSCRIPTIONS per connection (a
 * JSON-RPC error, the connection stays); the relay's per-client request limit counts every message
 * (a batch its items) together with the client's HTTP requests (a JSON-RPC error -32005 per request);
 * a frame or message over WS_MAX_MESSAGE_BYTES (its bytes as sent) closes with 1009; a binary message with 1003; a
 * message that would take the bytes held for all connections' incoming messages over
 * WS_MAX_INBOUND_BYTES is answered with -32005 unread (the connection stays). Each
 * connection writes through its own queue and thread, so a client that does not read cannot
 * hold up the feed or anyone else: with more than WS_MAX_QUEUED_BYTES waiting it is closed with
 * 1008, and a message that would take all connections' waiting messages over WS_MAX_OUTBOUND_BYTES
 * closes its connection with 1013. On shutdown every connection is closed with 1001 (going away).
 */
public final class RpcWebSocket {
    static final String PATH = "/api/rpc";
    static final int PARSE_ERROR = -32700;
    static final int INVALID_PARAMS = -32602;
    static final int LIMIT_EXCEEDED = -32005;
    /**
     * How often the server pings each connection, at most (bootstrap shortens it to a third of the
     * idle timeout). The client's pong is a frame read, so a client
     * that only listens is not closed as idle (the listener's idle timeout applies to every connection),
     * and a peer that vanished without a close is found and its slot freed.
     */
    public static final Duration PING_INTERVAL = Duration.ofSeconds(20);
    private static final int MAX_FILTER_VALUES = 1000;
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
    private static final Pattern TOPIC = Pattern.compile("0x[0-9a-fA-F]{64}");
    /** Tells a connection's writer to send the close frame and stop (compared by identity). */
    @SuppressWarnings("StringOperationCanBeSimplified")
    private static final String STOP = new String("stop");
    private static final System.Logger LOG = System.getLogger(RpcWebSocket.class.getName());
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final io.helidon.http.HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");

    private final JsonRpcRelay rpc;
    private final ChainFeed feed;
    private final RequestRateLimiter limiter;
    private final ClientIpResolver clientIps;
    private final int maxConnections;
    private final int maxPerClient;
    private final int ipv6Prefix;
    private final int maxMessageBytes;
    /** WS_MAX_QUEUED_BYTES: memory of what one connection may have waiting to be written. */
    private final long maxQueuedBytes;
    /** WS_MAX_OUTBOUND_BYTES: the same for all connections together. */
    /** Characters of incoming messages held now, all connections together: fragments put together, messages being answered. */
    private final MemoryBudget inbound;
    private final Set<String> origins;
    private final Duration pingInterval;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    /** Open connections per client, changed under the lock of {@link #open}. */
    private final Map<IpRange, Integer> perClient = new HashMap<>();
    private final MemoryBudget outbound;
    /**
     * Memory the {@code logs} filters of all connections' subscriptions hold (addresses and topics, held
     * as long as their subscriptions): an eighth of the heap, a part of what the process's buffers share.
     */
    private final MemoryBudget filters = MemoryBudget.partOfProcess(Runtime.getRuntime().maxMemory() / 8);
    /** The same for one connection: four of the largest messages' worth (1 MiB with the default WS_MAX_MESSAGE_BYTES). */
    private final long maxFilterBytes;
    private volatile boolean goingAway;

    RpcWebSocket(JsonRpcRelay rpc, ChainFeed feed, RequestRateLimiter limiter, ClientIpResolver clientIps,
                 int maxConnections, int maxPerClient, int ipv6Prefix, long maxMessageBytes, long maxInboundBytes, long maxQueuedBytes, long maxOutboundBytes,
                 List<String> frontendOrigins, Duration pingInterval) {
        if (maxConnections < 1 || maxPerClient < 1) {
            throw new IllegalArgumentException("maxConnections and maxPerClient must be at least 1");
        }
        this.rpc = rpc;
        this.feed = feed;
        this.limiter = limiter;
        this.clientIps = clientIps;
        this.maxConnections = maxConnections;
        this.maxPerClient = maxPerClient;
        this.ipv6Prefix = ipv6Prefix;
        this.maxMessageBytes = (int) Math.min(maxMessageBytes, Integer.MAX_VALUE);
        this.maxFilterBytes = 4 * maxMessageBytes;
        this.inbound = MemoryBudget.partOfProcess(maxInboundBytes);
        this.maxQueuedBytes = maxQueuedBytes;
        this.outbound = MemoryBudget.partOfProcess(maxOutboundBytes);
        // a browser page may connect from the origins CORS allows; "*" allows any
        this.origins = frontendOrigins.contains("*") ? Set.of() : Set.copyOf(frontendOrigins);
        this.pingInterval = pingInterval;
    }

    /** The route to add to the web server: {@code WebServer.builder().addRouting(ws.routing())}. */
    public WsRouting.Builder routing() {
        return WsRouting.builder().endpoint(PATH, Connection::new);
    }

    /**
     * The WebSocket protocol settings for the listener: {@code addProtocol(ws.protocol())}. A frame
     * over WS_MAX_MESSAGE_BYTES is refused by the server before it is read into memory.
     */
    public WsConfig protocol() {
        return WsConfig.builder().name("websocket").maxFrameLength(maxMessageBytes).origins(origins).build();
    }

    /** Characters of incoming messages held now (fragments and messages being answered). */
    long inboundHeld() {
        return inbound.held();
    }

    /** Memory the logs filters of all subscriptions hold now, as {@link #footprint(LogFilter)} counts it. */
    long filtersHeld() {
        return filters.held();
    }

    /** What one value of a filter costs beyond its characters (a Latin-1 string's object and array, the set's slots). */
    static final int FILTER_VALUE_OVERHEAD = 48;

    /** The memory a logs filter holds while its subscription lasts: each address and topic, its characters and overhead. */
    static long footprint(LogFilter filter) {
        long bytes = 0;
        for (String address : filter.addresses()) {
            bytes += address.length() + FILTER_VALUE_OVERHEAD;
        }
        for (Set<String> position : filter.topics()) {
            for (String topic : position) {
                bytes += topic.length() + FILTER_VALUE_OVERHEAD;
            }
        }
        return bytes;
    }

    /** Bytes of answers and notifications waiting to be written, all connections together. */
    long outboundHeld() {
        return outbound.held();
    }

    /** What a queued message may take in memory: a Java string takes one or two bytes per character, counted as two. */
    private static long footprint(String text) {
        return 2L * text.length();
    }

    /** Open connections (the dytallix_ws_connections gauge). */
    public int connections() {
        return open.size();
    }

    /**
     * Graceful shutdown, before the web server stops: every connection gets what is already queued
     * for it, then a close 1001 (going away); waits up to {@code wait} for the clients to answer it.
     */
    public void goAway(Duration wait) {
        goingAway = true;
        open.forEach(c -> c.closeAfterQueued(WsCloseCodes.GOING_AWAY, "server shutting down"));
        long deadline = System.nanoTime() + wait.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One client connection: its own listener instance (the route's supplier makes one per upgrade). */
    private final class Connection implements WsListener, Subscriber {
        private final String connectionId = UUID.randomUUID().toString();
        private final AtomicLong messages = new AtomicLong();
        /** Unbounded so the stop marker always fits; {@link #queued} bounds what clients cause. */
        private final LinkedBlockingQueue<String> outbox = new LinkedBlockingQueue<>();
        private final AtomicLong queued = new AtomicLong();
        private final StringBuilder partial = new StringBuilder();
        /** Inbound budget this connection holds for the message being received or answered. */
        private long holding;
        /** The message being received did not fit the inbound budget: its remaining fragments are dropped. */
        private boolean refusing;
        private volatile Close closing;
        private final CountDownLatch released = new CountDownLatch(1);
        /** When the client last sent any frame (pongs included), System.nanoTime. */
        private volatile long lastHeard = System.nanoTime();
        private List<String> forwardedFor = List.of();
        private Optional<String> upgradeRequestId = Optional.empty();
        private WsSession session;
        private ClientIp client;
        /** Who this connection counts against in {@link #perClient}; null until it is let in. */
        private IpRange counted;
        private ChainFeed.Session subscriptions;
        private volatile Thread writer;
        private Instant openedAt;
        /**
         * Held by the writer while it writes a message or a ping, and taken to set {@link #closeFrameGoes}:
         * a lock rather than {@code synchronized}, which pins a virtual thread's carrier while it writes on JDK 21.
         */
        private final ReentrantLock sending = new ReentrantLock();
        /** A close frame goes (or went) out on the reader's thread: the writer writes nothing more (RFC 6455, 5.5.1). */
        private boolean closeFrameGoes;
        /** What each logs subscription's filter holds of {@link #filters}, by subscription id; its lock orders subscribing and closing. */
        private final Map<String, Long> filterBytes = new HashMap<>();
        /** This connection's share of {@link #filters}: its subscriptions' filters and one being subscribed. */
        private long filterBytesHeld;
        /** The connection ended: its filters were given back, and a subscription still being made gives its own back. */
        private boolean filtersReleased;

        private record Close(int code, String reason) {
        }

        @Override
        public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) {
            forwardedFor = headers.all(HeaderNames.X_FORWARDED_FOR, List::of);
            upgradeRequestId = headers.first(REQUEST_ID);
            return Optional.empty();
        }

        @Override
        public void onOpen(WsSession session) {
            this.session = session;
            this.openedAt = Instant.now();
            ClientIp peer = session.socketContext().remotePeer().address() instanceof InetSocketAddress s && s.getAddress() != null
                    ? ClientIp.of(s.getAddress()) : ClientIp.parse("0.0.0.0");
            this.client = clientIps.resolve(peer, forwardedFor);
            if (goingAway) {
                session.close(WsCloseCodes.GOING_AWAY, "server shutting down");
                return;
            }
            synchronized (open) {
                if (open.size() >= maxConnections) {
                    LOG.log(System.Logger.Level.WARNING, "websocket refused for {0}: {1} connections open, the limit",
                            client.value(), maxConnections);
                    session.close(WsCloseCodes.TRY_AGAIN_LATER,
                            "too many WebSocket connections (limit " + maxConnections + "); try again later");
                    return;
                }
                IpRange who = client.client(ipv6Prefix);
                if (perClient.getOrDefault(who, 0) >= maxPerClient) {
                    // not a warning: a client's own excess is no fault of the server's, and one per attempt would flood the log
                    LOG.log(System.Logger.Level.DEBUG, "websocket refused for {0}: {1} connections from it open, the limit",
                            client.value(), maxPerClient);
                    session.close(WsCloseCodes.TRY_AGAIN_LATER, "too many WebSocket connections from this client (limit "
                            + maxPerClient + "); close one first");
                    return;
                }
                perClient.merge(who, 1, Integer::sum);
                counted = who;
                open.add(this);
            }
            // a client that vanishes without a close frame: Helidon tells this listener nothing
            WsConnectionEnds.onEnd(session, () -> {
                dropPartial();
                release();
            });
            // a frame that breaks the protocol: the reader sends a close frame itself, without telling this listener
            WsConnectionEnds.onClosing(session, this::closeFrameGoes);
            subscriptions = feed.open(this);
            writer = Thread.ofVirtual().name("ws-writer-" + connectionId).start(this::write);
            LOG.log(System.Logger.Level.DEBUG, "websocket {0} opened by {1}{2}", connectionId, client.value(),
                    upgradeRequestId.map(id -> " (request " + id + ")").orElse(""));
        }

        @Override
        public void onMessage(WsSession session, String text, boolean last) {
            lastHeard = System.nanoTime();
            if (subscriptions == null) {
                return; // refused at open
            }
            // a message over WS_MAX_MESSAGE_BYTES never gets here: WsFrameCheck closes its connection with 1009 at the
            // header of the frame that takes it over, counting the bytes as sent (not these characters)
            if (!refusing && !inbound.take(text.length())) {
                dropPartial();
                refusing = true;
            }
            if (refusing) {
                if (last) {
                    refusing = false;
                    queue(Json.text(busy()));
                }
                return;
            }
            holding += text.length();
            String message;
            if (last && partial.isEmpty()) {
                message = text; // one frame, the usual case: no copy
            } else {
                partial.append(text);
                if (!last) {
                    return;
                }
                message = partial.toString();
                partial.setLength(0);
                partial.trimToSize(); // an idle connection keeps no message-sized buffer
            }
            Object answer;
            try {
                answer = handle(message);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "websocket message failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                answer = JsonRpcRelay.error(NullNode.instance, JsonRpcRelay.INTERNAL_ERROR,
                        "internal error; the request id identifies it in the server log", null);
            } finally {
                inbound.give(holding);
                holding = 0;
            }
            if (answer != null) {
                // Helidon's WebSocket takes a text message as a String (it has no text frame from bytes): the answer's
                // bytes, node's result included, decoded once here
                queue(JsonRpcRelay.body(answer).text());
            }
        }

        /** Drops the fragments received so far, and the budget they held; only on the connection's reader thread. */
        private void dropPartial() {
            partial.setLength(0);
            partial.trimToSize();
            inbound.give(holding);
            holding = 0;
        }

        /** The answer to a message that did not fit WS_MAX_INBOUND_BYTES: unread, so without its id. */
        private JsonRpcRelay.Failure busy() {
            return JsonRpcRelay.error(NullNode.instance, LIMIT_EXCEEDED, "server busy: too many large WebSocket messages in "
                    + "flight (WS_MAX_INBOUND_BYTES, or the memory all buffers share); the message was not read, send it again shortly (or over HTTP)",
                    new LimitData("RATE_LIMIT", "ws_inbound", 1L, null, null));
        }

        @Override
        public void onMessage(WsSession session, BufferData buffer, boolean last) {
            closeNow(WsCloseCodes.CANNOT_ACCEPT, "JSON-RPC is sent as text messages");
        }

        @Override
        public void onPing(WsSession session, BufferData buffer) {
            lastHeard = System.nanoTime();
            session.pong(buffer); // RFC 6455: a ping is answered with its payload
        }

        @Override
        public void onPong(WsSession session, BufferData buffer) {
            lastHeard = System.nanoTime();
        }

        @Override
        public void onClose(WsSession session, int status, String reason) {
            dropPartial(); // ended in the middle of a message: its fragments go (the reader's thread, as onMessage)
            release();
            closeFrameGoes(); // Helidon answers the client's close frame once this returns
        }

        /**
         * Once a close frame is sent by the reader's thread (the answer to the client's, or a violation's),
         * a message or ping the writer had already taken must not follow it: waits for a write in progress
         * (it goes before the close), and the writer writes nothing after. Not on the way of a forced close:
         * a writer stuck on a client that does not read holds the lock until its socket is cut.
         */
        private void closeFrameGoes() {
            sending.lock();
            try {
                closeFrameGoes = true;
            } finally {
                sending.unlock();
            }
        }

        /** Writes {@code text} (or, when null, a ping) unless a close frame went first; false then. */
        private boolean send(String text) {
            sending.lock();
            try {
                if (closeFrameGoes) {
                    return false;
                }
                if (text == null) {
                    session.ping(BufferData.empty());
                } else {
                    session.send(text, true);
                }
                return true;
            } finally {
                sending.unlock();
            }
        }

        @Override
        public void onError(WsSession session, Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "websocket {0} failed: {1}", connectionId, t.getClass().getSimpleName());
            dropPartial();
            release();
        }

        private void release() {
            WsConnectionEnds.forget(session);
            released.countDown();
            if (subscriptions != null) {
                subscriptions.close();
                giveBackFilter(null);
            }
            if (forget()) {
                // the client closed (or the socket failed): nothing more is written
                if (closing == null) {
                    closing = new Close(WsCloseCodes.NORMAL_CLOSE, "normal");
                }
                dropQueued();
                outbox.add(STOP);
                LOG.log(System.Logger.Level.DEBUG, "websocket {0} of {1} closed after {2} s and {3} messages", connectionId,
                        client.value(), Duration.between(openedAt, Instant.now()).toSeconds(), messages.get());
            }
        }

        /** Frees this connection's slots, in all and of its client; false when it held none (refused, or already freed). */
        private boolean forget() {
            synchronized (open) {
                if (!open.remove(this)) {
                    return false;
                }
                perClient.computeIfPresent(counted, (who, n) -> n == 1 ? null : n - 1);
                return true;
            }
        }

        // --- requests ---

        /** The answer to one message: a response, a list of them for a batch, or null when nothing is owed. */
        private Object handle(String message) {
            String requestId = connectionId + "-" + messages.incrementAndGet();
            Json.Message read = Json.Message.read(message);
            if (read.tree() == null) {
                return JsonRpcRelay.error(NullNode.instance, PARSE_ERROR, "Parse error: " + read.why(), null);
            }
            JsonNode body = read.tree();
            if (body.isMissingNode()) {
                return JsonRpcRelay.error(NullNode.instance, PARSE_ERROR, "Parse error: the message is empty", null);
            }
            int items = body.isArray() ? body.size() : 1;
            Optional<Instant> refusedUntil = limiter.acquire(client, items);
            if (refusedUntil.isPresent()) {
                return rateLimited(body, refusedUntil.get(), requestId);
            }
            if (!body.isArray()) {
                return answer(body, requestId, f -> HttpEdge.logFailure(f.code(), f.status(), "websocket: " + f.getMessage()));
            }
            if (body.isEmpty()) {
                return JsonRpcRelay.error(NullNode.instance, JsonRpcRelay.INVALID_REQUEST, "Invalid Request: empty batch", null);
            }
            if (body.size() > rpc.maxBatch()) {
                return JsonRpcRelay.error(NullNode.instance, JsonRpcRelay.INVALID_REQUEST,
                        "Invalid Request: batch of " + body.size() + " requests is over the limit of " + rpc.maxBatch(), null);
            }
            List<JsonRpcRelay.Response> answers = new ArrayList<>(body.size());
            List<ApiException> failed = new CopyOnWriteArrayList<>();
            // items wait on the node independently, as over HTTP
            try (ExecutorService each = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<JsonRpcRelay.Response>> pending = new ArrayList<>(body.size());
                body.forEach(item -> pending.add(each.submit(() -> answer(item, requestId, failed::add))));
                for (Future<JsonRpcRelay.Response> f : pending) {
                    answers.add(f.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (ExecutionException e) {
                throw new IllegalStateException("answering a batch item failed", e.getCause());
            }
            HttpEdge.logFailures("websocket batch items", body.size(), failed);
            List<JsonRpcRelay.Response> out = answers.stream().filter(a -> a != null).toList();
            return out.isEmpty() ? null : out;
        }

        /**
         * One request: a subscription method here, anything else through the relay's policy; null for a notification.
         *
         * @param failed takes the item's server-side failure, if it has one, to be logged
         */
        private JsonRpcRelay.Response answer(JsonNode item, String requestId, Consumer<ApiException> failed) {
            String method = item.path("method").asText("");
            boolean wellFormed = item.isObject() && "2.0".equals(item.path("jsonrpc").asText(null))
                    && item.path("method").isTextual() && (!item.has("id") || validId(item.get("id")));
            if (!wellFormed || (!method.equals("eth_subscribe") && !method.equals("eth_unsubscribe"))) {
                JsonRpcRelay.Answer a = rpc.answer(item, client, requestId);
                if (a != null && a.failure() != null && a.failure().status() >= 500) {
                    failed.accept(a.failure());
                }
                return a == null ? null : a.body();
            }
            JsonNode id = item.has("id") ? item.get("id") : NullNode.instance;
            JsonNode params = item.has("params") ? item.get("params") : NODES.arrayNode();
            JsonRpcRelay.Response answer;
            try {
                answer = new JsonRpcRelay.Result(id, method.equals("eth_subscribe") ? subscribe(params) : unsubscribe(params));
            } catch (InvalidParams e) {
                answer = JsonRpcRelay.error(id, INVALID_PARAMS, "invalid params: " + e.getMessage(), null);
            } catch (SubscriptionLimitException e) {
                answer = JsonRpcRelay.error(id, LIMIT_EXCEEDED, e.getMessage(),
                        new LimitData("RATE_LIMIT", "subscriptions", null, null, null));
            } catch (FilterLimitException e) {
                answer = JsonRpcRelay.error(id, LIMIT_EXCEEDED, e.getMessage(), new LimitData("RATE_LIMIT", e.scope, null, null, null));
            }
            return item.has("id") ? answer : null;
        }

        /** The new subscription's id. */
        private String subscribe(JsonNode params) {
            if (!params.isArray() || params.isEmpty() || !params.get(0).isTextual()) {
                throw new InvalidParams("expected [\"newHeads\"] or [\"logs\", {address, topics}]");
            }
            String kind = params.get(0).asText();
            return switch (kind) {
                case "newHeads" -> {
                    if (params.size() > 1) {
                        throw new InvalidParams("newHeads takes no options");
                    }
                    yield subscriptions.subscribeNewHeads();
                }
                case "logs" -> {
                    if (params.size() > 2) {
                        throw new InvalidParams("logs takes one filter object");
                    }
                    yield subscribeLogs(filter(params.path(1)));
                }
                default -> throw new InvalidParams("subscriptions offered here are newHeads and logs");
            };
        }

        /**
         * A logs subscription whose filter fits this connection's share of filter memory and everyone's.
         * Without these bounds three connections of 100 subscriptions with the largest filters (a message
         * of 250 KB each: 1,000 addresses and 3,000 topics) took the shipped heap, and the process exited.
         */
        private String subscribeLogs(LogFilter filter) {
            long bytes = footprint(filter);
            synchronized (filterBytes) {
                if (filterBytesHeld + bytes > maxFilterBytes) {
                    throw new FilterLimitException("the logs filters of this connection's subscriptions would hold more than "
                            + maxFilterBytes + " bytes (4 x WS_MAX_MESSAGE_BYTES); unsubscribe one first, or filter by fewer addresses and topics",
                            "subscriptions");
                }
                if (!filters.take(bytes)) {
                    throw new FilterLimitException("server busy: the memory for logs filters is taken; subscribe again shortly", "ws_filters");
                }
                filterBytesHeld += bytes; // only this (the reader's) thread subscribes: the check above holds until the put below
            }
            String id;
            try {
                id = subscriptions.subscribeLogs(filter); // may ask the node for its head: not under the lock
            } catch (RuntimeException e) {
                synchronized (filterBytes) {
                    filterBytesHeld -= bytes;
                    filters.give(bytes);
                }
                throw e;
            }
            synchronized (filterBytes) {
                if (filtersReleased) {
                    filters.give(bytes); // the connection closed meanwhile, and its subscriptions with it
                } else {
                    filterBytes.put(id, bytes);
                }
            }
            return id;
        }

        private boolean unsubscribe(JsonNode params) {
            if (!params.isArray() || params.size() != 1 || !params.get(0).isTextual()) {
                throw new InvalidParams("expected [subscription id]");
            }
            String id = params.get(0).asText();
            boolean was = subscriptions.unsubscribe(id);
            if (was) {
                giveBackFilter(id);
            }
            return was;
        }

        /** The filter of subscription {@code id} (or, when null, of every subscription) is no longer held. */
        private void giveBackFilter(String id) {
            synchronized (filterBytes) {
                if (id == null) {
                    // the subscriptions' filters; one being subscribed now gives its own back (filtersReleased)
                    filtersReleased = true;
                    filterBytes.values().forEach(filters::give);
                    filterBytes.clear();
                    filterBytesHeld = 0;
                } else {
                    Long bytes = filterBytes.remove(id);
                    if (bytes != null) {
                        filters.give(bytes);
                        filterBytesHeld -= bytes;
                    }
                }
            }
        }

        private static LogFilter filter(JsonNode filter) {
            if (filter.isMissingNode() || filter.isNull()) {
                return LogFilter.ANY;
            }
            if (!filter.isObject()) {
                throw new InvalidParams("the logs filter must be an object");
            }
            for (var names = filter.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!name.equals("address") && !name.equals("topics")) {
                    throw new InvalidParams("a logs subscription filters by address and topics only (" + safe(name)
                            + " is not taken: it follows new blocks)");
                }
            }
            Set<String> addresses = values(filter.path("address"), ADDRESS, "address", false);
            List<Set<String>> topics = new ArrayList<>();
            JsonNode t = filter.path("topics");
            if (!t.isMissingNode() && !t.isNull()) {
                if (!t.isArray() || t.size() > 4) {
                    throw new InvalidParams("topics must be an array of at most 4 positions");
                }
                t.forEach(position -> topics.add(values(position, TOPIC, "topic", true)));
            }
            return new LogFilter(addresses, topics);
        }

        /** One value or an array of them; empty means any. A null inside an array of topics also means any. */
        private static Set<String> values(JsonNode node, Pattern shape, String what, boolean nullMeansAny) {
            if (node.isMissingNode() || node.isNull()) {
                return Set.of();
            }
            List<JsonNode> given = new ArrayList<>();
            if (node.isArray()) {
                if (node.size() > MAX_FILTER_VALUES) {
                    throw new InvalidParams("at most " + MAX_FILTER_VALUES + " values for one " + what);
                }
                node.forEach(given::add);
            } else {
                given.add(node);
            }
            Set<String> out = new HashSet<>();
            for (JsonNode v : given) {
                if (v.isNull() && nullMeansAny) {
                    return Set.of();
                }
                if (!v.isTextual() || !shape.matcher(v.asText()).matches()) {
                    throw new InvalidParams(what + " must be 0x and " + (shape == ADDRESS ? 40 : 64) + " hex digits");
                }
                out.add(v.asText());
            }
            return out;
        }

        private Object rateLimited(JsonNode body, Instant until, String requestId) {
            long retryAfter = Math.max(1, (Duration.between(Instant.now(), until).toMillis() + 999) / 1000);
            LimitData data = new LimitData("RATE_LIMIT", LimitScope.REQUESTS.wireName(), retryAfter, Responses.time(until), requestId);
            String message = "too many requests from this client; retry after " + retryAfter + " s";
            if (!body.isArray()) {
                return JsonRpcRelay.error(body.path("id").isMissingNode() ? NullNode.instance : body.get("id"), LIMIT_EXCEEDED, message, data);
            }
            List<JsonRpcRelay.Response> out = new ArrayList<>();
            body.forEach(item -> out.add(JsonRpcRelay.error(item.path("id").isMissingNode() ? NullNode.instance : item.get("id"),
                    LIMIT_EXCEEDED, message, data)));
            return out.isEmpty() ? JsonRpcRelay.error(NullNode.instance, LIMIT_EXCEEDED, message, data) : out;
        }

        // --- notifications, from the feed's thread: queued, never written here ---

        @Override
        public void newHead(String subscriptionId, BlockHeader header) {
            queue(notification(subscriptionId, new RawValue(header.json())));
        }

        @Override
        public void log(String subscriptionId, ChainLog log) {
            queue(notification(subscriptionId, new LogView(log.address(), log.topics(), log.data(), hex(log.blockNumber()),
                    log.transactionHash(), hex(log.transactionIndex()), log.blockHash(), hex(log.logIndex()), log.removed())));
        }

        private static String notification(String subscriptionId, Object result) {
            return Json.text(new Notification("2.0", "eth_subscription", new Notification.Params(subscriptionId, result)));
        }

        /**
         * Queues one message for the writer, within this connection's and all connections' budgets
         * (a message always fits an empty queue of its own); a connection over either is closed, so
         * what waits to be written never takes more than WS_MAX_OUTBOUND_BYTES in all.
         */
        private void queue(String text) {
            if (closing != null) {
                return;
            }
            long size = footprint(text);
            // answers (the reader's thread) and notifications (the feed's) queue at once: the check and the
            // count are one step, and the count is taken before the budget's share, so what this connection
            // holds of the budget never passes its own count (the writer gives back in the opposite order)
            long mine;
            do {
                mine = queued.get();
                if (mine > 0 && mine + size > maxQueuedBytes) {
                    closeNow(WsCloseCodes.VIOLATED_POLICY, "messages were not read in time: over " + maxQueuedBytes
                            + " bytes waiting (WS_MAX_QUEUED_BYTES)");
                    return;
                }
            } while (!queued.compareAndSet(mine, mine + size));
            if (!outbound.take(size)) {
                queued.addAndGet(-size);
                closeNow(WsCloseCodes.TRY_AGAIN_LATER, "server busy: memory for waiting answers is taken (WS_MAX_OUTBOUND_BYTES or all buffers' share); reconnect shortly");
                return;
            }
            outbox.add(text);
        }

        private void dropQueued() {
            List<String> dropped = new ArrayList<>();
            outbox.drainTo(dropped);
            long bytes = 0;
            for (String d : dropped) {
                if (d != STOP) {
                    bytes += footprint(d);
                }
            }
            outbound.give(bytes);
            queued.addAndGet(-bytes);
        }

        /** Gives up on a connection whose writer is stuck on a client that does not read. */
        private void forceClose() {
            release();
            if (session instanceof ServerConnection connection) {
                connection.close(true); // interrupts its reader, which closes the socket and frees the writer
            }
        }

        /** Closes at once, dropping what is queued. Never writes on the caller's thread (the feed's, say). */
        private synchronized void closeNow(int code, String reason) {
            if (closing == null) {
                closing = new Close(code, reason);
                if (writer == null) {
                    session.close(code, reason);
                    return;
                }
                dropQueued();
                outbox.add(STOP);
                // the writer may be blocked on this very client: if the close does not go through, cut it
                Thread.ofVirtual().start(() -> {
                    try {
                        if (!released.await(pingInterval.toMillis(), TimeUnit.MILLISECONDS)) {
                            forceClose();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
        }

        /** Closes once everything already queued is written. */
        synchronized void closeAfterQueued(int code, String reason) {
            if (closing == null) {
                closing = new Close(code, reason);
                outbox.add(STOP);
            }
        }

        /**
         * The connection's one writer: answers and notifications in order, a ping every
         * {@link #pingInterval}, then the close frame. A client that answered none of three pings
         * in a row (not even with a pong) is gone: closed. Pings are counted, not the time since
         * the client was last heard: a writer that wakes late on a loaded machine must not blame
         * the client for its own delay.
         */
        private void write() {
            long interval = pingInterval.toNanos();
            long nextPing = System.nanoTime() + interval;
            boolean pinged = false;
            long lastPingAt = 0;
            int unanswered = 0;
            try {
                while (true) {
                    String next = outbox.poll(Math.max(0, nextPing - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == STOP) {
                        break;
                    }
                    if (next != null) {
                        try {
                            if (!send(next)) {
                                return; // the close frame went on the reader's thread: nothing more is written
                            }
                        } finally {
                            // counted until written: the writer holds it while a slow client takes it
                            outbound.give(footprint(next));
                            queued.addAndGet(-footprint(next));
                        }
                    }
                    long now = System.nanoTime();
                    if (now - nextPing >= 0) {
                        // unanswered: nothing at all came from the client since the last ping went out
                        unanswered = pinged && lastHeard - lastPingAt < 0 ? unanswered + 1 : 0;
                        if (unanswered >= 3) {
                            closeNow(WsCloseCodes.VIOLATED_POLICY, "no answer to pings");
                            continue;
                        }
                        pinged = true;
                        lastPingAt = System.nanoTime(); // before the ping: its pong can come back at once
                        if (!send(null)) {
                            return;
                        }
                        nextPing = now + interval;
                    }
                }
                Close c = closing;
                session.close(c.code(), c.reason());
                if (!released.await(pingInterval.toMillis(), TimeUnit.MILLISECONDS)) {
                    forceClose(); // no close frame came back: the peer is gone or does not read
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // the socket is gone (closed by the peer, or by the server as idle): nothing more can be written
                LOG.log(System.Logger.Level.DEBUG, "websocket {0} write failed: {1}", connectionId, e.getClass().getSimpleName());
            } finally {
                release(); // whichever way the connection ended, its slot and subscriptions go with it
            }
        }
    }

    private static boolean validId(JsonNode id) {
        return id.isTextual() || id.isNumber() || id.isNull();
    }

    /** An eth_subscription message (record components in wire order). */
    record Notification(String jsonrpc, String method, Params params) {
        /** {@code result}: a block header as the node sent it ({@link RawValue}), or a {@link LogView}. */
        record Params(String subscription, Object result) {
        }
    }

    /** A log as eth_subscribe("logs") delivers it, numbers in hex as nodes send them. */
    record LogView(String address, List<String> topics, String data, String blockNumber, String transactionHash,
                   String transactionIndex, String blockHash, String logIndex, boolean removed) {
    }

    /** Why a request or subscription was refused for a limit; what does not apply is left out. */
    record LimitData(String code, String scope, @JsonInclude(JsonInclude.Include.NON_NULL) Long retryAfter,
                     @JsonInclude(JsonInclude.Include.NON_NULL) String resetAt,
                     @JsonInclude(JsonInclude.Include.NON_NULL) String requestId) {
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    /** A field name the client sent, shortened and stripped to something safe to echo. */
    private static String safe(String name) {
        String s = name.replaceAll("[^A-Za-z0-9_]", "?");
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    /** A logs filter over this connection's share of filter memory ({@code subscriptions}) or everyone's ({@code ws_filters}). */
    private static final class FilterLimitException extends RuntimeException {
        private final String scope;

        FilterLimitException(String message, String scope) {
            super(message, null, false, false);
            this.scope = scope;
        }
    }

    private static final class InvalidParams extends RuntimeException {
        InvalidParams(String message) {
            super(message, null, false, false);
        }
    }
}
