package com.dytallix.adapters.http;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.MemoryBudget;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionProvider;
import io.helidon.webserver.spi.ProtocolConfig;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import io.helidon.webserver.spi.ServerConnectionSelectorProvider;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Limits on open TCP connections: HTTP_MAX_CONNECTIONS in all, HTTP_MAX_CONNECTIONS_PER_CLIENT from
 * one client IP (an IPv6 client by IPV6_CLIENT_PREFIX; a trusted proxy's connections count only in
 * all). Helidon 4.5 holds about 24 KB of heap for every open connection, idle or not, so a few thousand
 * connections that never send a byte filled the shipped 128 MiB heap and ended the process; and
 * Helidon's own limit (maxTcpConnections) stops accepting when it is reached, so one client holding them
 * all would leave every other client waiting in the kernel's queue.
 *
 * <p>Each connection also takes its estimated memory from the process's budget
 * ({@link MemoryBudget#partOfProcess}), which the relay's and the WebSocket's buffers share. A
 * connection over a limit is answered at once, without reading what it sent: 429 {@code RATE_LIMIT}
 * (scope {@code connections}) for its client, 503 {@code SERVER_BUSY} when the server is full, both
 * with {@code Retry-After: 1} and {@code Connection: close}.
 *
 * <p>It is the edge's HTTP/1.1 protocol ({@link Config}, type {@value #TYPE}): Helidon makes the
 * connection through this selector, which wraps its own HTTP/1.1 selector. It must be the only
 * connection selector of the listener: with one, Helidon makes the connection at accept time, so
 * a connection that sends nothing is counted (and cut by the idle timeout) like any other. Found by
 * {@link java.util.ServiceLoader} ({@code META-INF/services}).
 */
public final class ConnectionLimits implements ServerConnectionSelectorProvider<ConnectionLimits.Config> {
    static final String TYPE = "dytallix_http_1_1";
    /** What Helidon holds for an open connection, measured with idle connections (its buffers, thread and stack). */
    static final long CONNECTION_BYTES = 24 * 1024;

    /**
     * @param maxConnections          HTTP_MAX_CONNECTIONS
     * @param maxConnectionsPerClient HTTP_MAX_CONNECTIONS_PER_CLIENT
     * @param ipv6Prefix              IPV6_CLIENT_PREFIX
     * @param clientIps               who is a trusted proxy (its connections count only in all)
     */
    public record Limits(int maxConnections, int maxConnectionsPerClient, int ipv6Prefix, ClientIpResolver clientIps) {
        public Limits {
            if (maxConnections < 1 || maxConnectionsPerClient < 1) {
                throw new IllegalArgumentException("connection limits must be at least 1");
            }
        }
    }

    /**
     * The listener's HTTP/1.1 configuration with the counts (and limits) of its connections, and who is
     * told of a refused connection ({@link RequestObserver#refused}: its access line and metrics).
     */
    public record Config(Http1Config http1, Counts counts, RequestObserver observer) implements ProtocolConfig {
        @Override
        public String name() {
            return http1.name();
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    @Override
    public Class<Config> protocolConfigType() {
        return Config.class;
    }

    @Override
    public String protocolType() {
        return TYPE;
    }

    @Override
    public ServerConnectionSelector create(String listenerName, Config config, ProtocolConfigs configs) {
        return new Selector(new Http1ConnectionProvider().create(listenerName, config.http1(), configs), config.counts(),
                config.observer());
    }

    /** Open connections, in all (the dytallix_http_connections gauge) and per client. */
    public static final class Counts {
        private final Limits limits;
        private final MemoryBudget memory;
        /** Open connections per client, changed under this object's lock. */
        private final Map<IpRange, Integer> perClient = new HashMap<>();
        /** Open connections in all, changed under this object's lock. */
        private int open;

        public Counts(Limits limits) {
            this.limits = limits;
            this.memory = MemoryBudget.partOfProcess(limits.maxConnections() * CONNECTION_BYTES);
        }

        /** Counts a connection from {@code client} (null: a trusted proxy), or says why it is refused. */
        synchronized Refusal open(IpRange client) {
            if (client != null && perClient.getOrDefault(client, 0) >= limits.maxConnectionsPerClient()) {
                return Refusal.CLIENT;
            }
            if (!memory.take(CONNECTION_BYTES)) {
                return Refusal.SERVER;
            }
            if (client != null) {
                perClient.merge(client, 1, Integer::sum);
            }
            open++;
            return null;
        }

        /** Connections open now: counted from accept until Helidon is done with them, refused ones not. */
        public synchronized int open() {
            return open;
        }

        synchronized void close(IpRange client) {
            open--;
            memory.give(CONNECTION_BYTES);
            if (client != null) {
                perClient.computeIfPresent(client, (who, n) -> n == 1 ? null : n - 1);
            }
        }
    }

    /**
     * The socket peer of the connection this thread serves, while Helidon's HTTP/1.1 serves it: a
     * connection's requests, and the answers its parser gives before routing ({@link HttpEdge}'s
     * direct handlers), run on the connection's own thread. Null elsewhere.
     */
    static ClientIp peer() {
        return PEER.get();
    }

    private static final ThreadLocal<ClientIp> PEER = new ThreadLocal<>();

    enum Refusal {
        CLIENT(429, "RATE_LIMIT", "too many connections open from this client (HTTP_MAX_CONNECTIONS_PER_CLIENT); "
                + "close some, or reuse them (keep-alive), and retry"),
        SERVER(503, "SERVER_BUSY", "the server has all the connections it can hold open (HTTP_MAX_CONNECTIONS); retry shortly");

        private final int status;
        private final String code;
        private final String message;

        Refusal(int status, String code, String message) {
            this.status = status;
            this.code = code;
            this.message = message;
        }

        /** The whole answer, in the error envelope, with {@code requestId}. */
        byte[] answer(String requestId) {
            ApiException e = this == CLIENT
                    ? new ApiException(status, code, message, new ApiException.Details.RateLimit("connections", Responses.time(Instant.now().plusSeconds(1))), Map.of())
                    : new ApiException(status, code, message);
            byte[] body = Json.write(HttpEdge.envelope(e, requestId));
            String head = "HTTP/1.1 " + status + (status == 429 ? " Too Many Requests" : " Service Unavailable") + "\r\n"
                    + "Content-Type: application/json\r\nCache-Control: no-store\r\nRetry-After: 1\r\nConnection: close\r\n"
                    + "X-Request-Id: " + requestId + "\r\nContent-Length: " + body.length + "\r\n\r\n";
            byte[] bytes = new byte[head.length() + body.length];
            System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, head.length());
            System.arraycopy(body, 0, bytes, head.length(), body.length);
            return bytes;
        }
    }

    private record Selector(ServerConnectionSelector http1, Counts counts, RequestObserver observer) implements ServerConnectionSelector {
        @Override
        public int bytesToIdentifyConnection() {
            return http1.bytesToIdentifyConnection();
        }

        @Override
        public Support supports(BufferData request) {
            return http1.supports(request);
        }

        @Override
        public Set<String> supportedApplicationProtocols() {
            return http1.supportedApplicationProtocols();
        }

        @Override
        public ServerConnection connection(ConnectionContext ctx) {
            ClientIp peer = peer(ctx);
            IpRange client = client(peer);
            Refusal refusal = counts.open(client);
            if (refusal != null) {
                return new Refused(ctx, refusal, peer, observer);
            }
            try {
                // counted until Helidon is done with it
                return new EndingConnection(new Peered(http1.connection(ctx), peer), () -> counts.close(client));
            } catch (RuntimeException e) {
                counts.close(client);
                throw e;
            }
        }

        /** The client a connection counts against, or null for a trusted proxy's (and a peer without an IP address). */
        private IpRange client(ClientIp peer) {
            return peer == null || counts.limits.clientIps().isTrusted(peer) ? null : peer.client(counts.limits.ipv6Prefix());
        }

        private static ClientIp peer(ConnectionContext ctx) {
            return ctx.remotePeer().address() instanceof InetSocketAddress socket && socket.getAddress() != null
                    ? ClientIp.of(socket.getAddress()) : null;
        }
    }

    /** Helidon's connection, its peer known to the thread that serves it ({@link #peer()}). */
    private record Peered(ServerConnection connection, ClientIp peer) implements WrappingConnection {
        @Override
        public void handle(Limit limit) throws InterruptedException {
            PEER.set(peer);
            try {
                connection.handle(limit);
            } finally {
                PEER.remove();
            }
        }
    }

    /**
     * A connection over a limit: the answer is written at once, then Helidon closes the socket. Its
     * access line and metrics are the observer's (method and path unknown: nothing was read).
     */
    private record Refused(ConnectionContext ctx, Refusal refusal, ClientIp peer, RequestObserver observer) implements ServerConnection {
        @Override
        public void handle(Limit limit) {
            String requestId = HttpEdge.newRequestId();
            try {
                ctx.dataWriter().writeNow(BufferData.create(refusal.answer(requestId)));
            } finally {
                observer.refused(RequestObserver.UNKNOWN, RequestObserver.UNKNOWN, refusal.status, refusal.code, requestId,
                        peer == null ? "0.0.0.0" : peer.value());
            }
        }

        @Override
        public Duration idleTime() {
            return Duration.ZERO;
        }

        @Override
        public void close(boolean interrupt) {
        }
    }
}
