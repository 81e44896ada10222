package com.dytallix.adapters.http;

import com.dytallix.application.assembly.Application;
import com.dytallix.application.faucet.FaucetPolicy;
import com.dytallix.application.faucet.Finality;
import com.dytallix.domain.payer.InMemoryPayerLeases;
import com.dytallix.domain.IpRange;
import com.dytallix.application.FakeChain;
import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.TestClock;
import com.dytallix.domain.TestKeccak;
import com.dytallix.domain.faucet.AuditEntry;
import com.dytallix.domain.faucet.InMemoryFaucetControls;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantQuery;
import com.dytallix.domain.grant.InMemoryGrantLedger;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.TestAdmission;
import com.dytallix.domain.key.InMemoryKeyRotationLog;
import com.dytallix.domain.telemetry.RecordingTelemetry;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.InMemoryBlockList;
import com.dytallix.domain.admission.InMemoryChallengeStore;
import com.dytallix.domain.admission.ProofOfWorkPolicy;
import com.dytallix.domain.admission.ReputationList;
import com.dytallix.domain.grant.OutflowPolicy;
import java.math.BigDecimal;
import com.dytallix.domain.key.FeePolicy;
import com.fasterxml.jackson.databind.JsonNode;
import com.dytallix.application.subscription.ChainFeed;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The whole HTTP API on a real socket (127.0.0.1, a free port), over real application services and
 * the in-memory ports. A test class shares one as {@code @RegisterExtension static final TestApi api
 * = TestApi.start(...)}, stopped after its last test; a test that needs its own closes it itself.
 */
final class TestApi implements AutoCloseable, AfterAllCallback {
    static final String TOKEN = "test-admin-token-0123456789abcdef-0123456789";

    /** What a test may change before the server starts. */
    static final class Options {
        List<IpRange> trustedProxies = List.of();
        List<IpRange> adminAllowed = List.of(IpRange.parse("127.0.0.1"), IpRange.parse("::1"));
        List<String> origins = List.of("http://localhost:5173");
        int requestsPerMinute = 10_000;
        /** Proof of work off (0) unless a test turns it on. */
        int powDifficulty = 0;
        int rpcRequestsPerMinute = 10_000;
        long sizeLimit = 4096;
        int maxBatch = 5;
        long rpcCacheMaxBytes = 1 << 20;
        int wsMaxMessageBytes = 4096;
        long wsMaxInboundBytes = 1 << 20;
        long wsMaxQueuedBytes = 2 << 20;
        long wsMaxOutboundBytes = 64L << 20;
        int wsMaxConnections = 3;
        int wsMaxConnectionsPerClient = 100;
        int wsMaxSubscriptions = 2;
        int rpcMaxFiltersPerClient = 64;
        int rpcMaxFilters = 4096;
        Duration wsPingInterval = RpcWebSocket.PING_INTERVAL;
        Duration readTimeout = Duration.ofSeconds(10);
        Duration idleTimeout = Duration.ofSeconds(60);
        int maxConnections = 1500;
        int maxConnectionsPerClient = 128;
        Duration statusStaleAfter = Duration.ofSeconds(30);
        boolean webPage = true;
        List<String> rpcMethods = List.of("eth_blockNumber", "eth_chainId", "eth_getBalance", "eth_call",
                "net_version", "eth_accounts", "personal_sign", "eth_sendTransaction");
    }

    static final Address FAUCET = address("first key");
    /** What the node answers every relayed call with, unless a test says otherwise. */
    static final java.util.function.BiFunction<String, String, String> ANSWER = (method, params) -> "\"0x10\"";

    final TestClock clock = new TestClock(Instant.parse("2026-01-31T12:00:00Z"));
    /** The node, its blocks (with their logs) and what the relay forwards to it. */
    final FakeChain chain = new FakeChain();
    final FakeChain.Keys keys = new FakeChain.Keys(FAUCET);
    final InMemoryFaucetControls controls = new InMemoryFaucetControls();
    final InMemoryKeyRotationLog rotations = new InMemoryKeyRotationLog();
    final InMemoryBlockList blockList = new InMemoryBlockList();
    final InMemoryChallengeStore challenges = new InMemoryChallengeStore();
    final InMemoryGrantLedger ledger = new InMemoryGrantLedger();
    final InMemoryPayerLeases leases = new InMemoryPayerLeases();
    final RecordingTelemetry telemetry = new RecordingTelemetry();
    final List<String> observed = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The answers given before routing, as the observer was told of them. */
    final List<Refused> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The HTTP metrics of every answer, routed or not. */
    final io.micrometer.core.instrument.simple.SimpleMeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private final com.dytallix.adapters.http.metrics.HttpMetrics httpMetrics = new com.dytallix.adapters.http.metrics.HttpMetrics(meters);

    record Refused(String method, String path, int status, String code, String requestId, String clientIp) {
    }

    /**
     * The metrics first, then the lists: a test that waits until a request shows in {@link #observed} or {@link #refused}
     * and then reads {@link #meters} finds it counted (the other order left a moment, on the server's thread, when it was not).
     */
    private final RequestObserver observer = new RequestObserver() {
        @Override
        public void completed(String method, String route, int status, long durationNanos, String requestId, String clientIp) {
            httpMetrics.completed(method, route, status, durationNanos, requestId, clientIp);
            observed.add(method + " " + route + " " + status);
        }

        @Override
        public void refused(String method, String path, int status, String code, String requestId, String clientIp) {
            httpMetrics.refused(method, path, status, code, requestId, clientIp);
            refused.add(new Refused(method, path, status, code, requestId, clientIp));
        }
    };
    final Options options = new Options();
    final Application app;
    final ChainFeed feed;
    final RpcWebSocket ws;
    /** The open TCP connections the edge counts. */
    final ConnectionLimits.Counts connections;
    private final WebServer server;
    private final ReadDeadlines deadlines;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build(); // generous: a loaded machine may not run the client for seconds

    private TestApi(Consumer<Options> customise) {
        customise.accept(options);
        chain.fund(FAUCET, Wei.ofDyt("1000"));
        chain.relay = ANSWER;
        FeePolicy fees = new FeePolicy(Wei.ofDyt("0.0000005"));
        FaucetPolicy policy = new FaucetPolicy(Wei.ofDyt("10"), Wei.ofDyt("100"),
                new FaucetPolicy.Limits(10, 50, 1, Wei.ofDyt("10000"), 5),
                new OutflowPolicy(Wei.ofDyt("10000"), Wei.ofDyt("416"), new BigDecimal("0.1")),
                new ProofOfWorkPolicy(options.powDifficulty, 16384, 8, 1, Duration.ofMinutes(10)), 64, new BigDecimal("0.1"),
                fees, Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(5));
        ReputationList reputation = ip -> false;
        app = Application.assemble(
                new Application.Ports(chain, chain, keys, ledger, controls, rotations, leases,
                        new com.dytallix.domain.payer.InMemoryInternalTransfers(leases), blockList, challenges, new com.dytallix.domain.admission.InMemoryChallengeIds(), reputation,
                        (c, nonce) -> false, TestKeccak.INSTANCE, telemetry, clock),
                new Application.Choices(policy, options.rpcMethods, Optional.empty(), Optional.empty(), options.wsMaxSubscriptions,
                        new Finality(1, 64), "test-instance", Duration.ofSeconds(30), options.rpcMaxFiltersPerClient, options.rpcMaxFilters));
        app.chain().check(); // as the server's start does, before anything is paid
        app.election().campaign();
        feed = app.feed();
        ApiDependencies deps = dependencies();
        HttpRouting.Builder routing = HttpRouting.builder();
        ws = ApiRouting.configure(routing, deps, options.wsPingInterval);
        var builder = WebServer.builder().host("127.0.0.1").port(0);
        connections = new ConnectionLimits.Counts(new ConnectionLimits.Limits(options.maxConnections, options.maxConnectionsPerClient, 64,
                deps.clientIps()));
        deadlines = HttpListener.configure(builder,
                new HttpListener.Limits(options.sizeLimit, options.readTimeout, options.idleTimeout,
                        connections), observer);
        server = builder
                .routing(routing)
                .addRouting(ws.routing())
                .addProtocol(ws.protocol())
                .build()
                .start();
    }

    /** Waits until the server counts {@code n} open connections (it counts each on the thread serving it, a moment after accept). */
    void awaitOpenConnections(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (connections.open() != n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        org.assertj.core.api.Assertions.assertThat(connections.open()).as("open connections").isEqualTo(n);
    }

    /** Waits until the relay counts {@code n} open WebSocket connections (the upgrade completes before onOpen; a close frees a slot a moment later). */
    void awaitWebSockets(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ws.connections() != n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        org.assertj.core.api.Assertions.assertThat(ws.connections()).as("open WebSocket connections").isEqualTo(n);
    }

    static TestApi start() {
        return new TestApi(o -> {
        });
    }

    static TestApi start(Consumer<Options> customise) {
        return new TestApi(customise);
    }

    ApiDependencies dependencies() {
        return new ApiDependencies(app.status(), app.balances(), app.drips(), app.grants(), app.relay(), app.admin(),
                TestKeccak.INSTANCE, telemetry,
                observer,
                List.of(new HealthHttpService.Check("test", Optional::empty)), clock,
                new ClientIpResolver(options.trustedProxies), options.adminAllowed, TOKEN, options.origins, options.requestsPerMinute, 64,
                options.rpcRequestsPerMinute, options.sizeLimit, options.maxBatch, options.rpcCacheMaxBytes,
                new Finality(2, 64), app.feed(), options.wsMaxConnections, options.wsMaxConnectionsPerClient, options.wsMaxMessageBytes,
                options.wsMaxInboundBytes, options.wsMaxQueuedBytes, options.wsMaxOutboundBytes,
                options.readTimeout, options.statusStaleAfter, options.webPage);
    }

    /** A well-formed address made from {@code seed}. */
    static Address address(String seed) {
        byte[] hash = TestKeccak.INSTANCE.hash(seed.getBytes(StandardCharsets.UTF_8));
        return Address.fromBytes(java.util.Arrays.copyOfRange(hash, 12, 32), TestKeccak.INSTANCE);
    }

    /** A grant reserved (pending) in the ledger for the address made from {@code seed}, as if {@code ip} had asked at {@code at}. */
    Grant grant(String seed, String ip, Instant at) {
        return ((Reservation.Reserved) TestAdmission.reserve(ledger, address(seed), ClientIp.parse(ip), Wei.ofDyt("10"), at)).grant();
    }

    /**
     * Every grant in the ledger, newest first, as the answers so far said: once the records of grants
     * answered as taken by the node are written (they follow their answer by milliseconds).
     */
    List<Grant> grants() {
        if (!app.payer().awaitRecords(Duration.ofSeconds(20))) {
            throw new AssertionError("grants answered as submitted were still not recorded after 20 s");
        }
        return ledger.search(new GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Integer.MAX_VALUE));
    }

    /** The audit entries of one admin action, oldest first. */
    List<AuditEntry> audit(String action) {
        return controls.recentAudit(Integer.MAX_VALUE).reversed().stream().filter(e -> e.action().equals(action)).toList();
    }

    int port() {
        return server.port();
    }

    record Reply(int status, java.net.http.HttpHeaders headers, String body) {
        JsonNode json() {
            try {
                return Json.parse(body.getBytes(StandardCharsets.UTF_8));
            } catch (ApiException e) {
                throw new AssertionError("not JSON (" + status + " " + headers.map() + "): " + body, e);
            }
        }

        Optional<String> header(String name) {
            return headers.firstValue(name);
        }
    }

    /** Sends a request; {@code headers} are name/value pairs. */
    Reply send(String method, String path, String body, String... headers) {
        return sendBody(method, path, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body), headers);
    }

    /** A JSON body given as bytes, which may be what no string encodes (malformed UTF-8). */
    Reply postJson(String path, byte[] body) {
        return sendBody("POST", path, HttpRequest.BodyPublishers.ofByteArray(body), "Content-Type", "application/json");
    }

    private Reply sendBody(String method, String path, HttpRequest.BodyPublisher body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Reply get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    Reply postJson(String path, String body, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Content-Type";
        all[1] = "application/json";
        System.arraycopy(headers, 0, all, 2, headers.length);
        return send("POST", path, body, all);
    }

    Reply admin(String method, String path, String body) {
        return body == null
                ? send(method, path, null, "Authorization", "Bearer " + TOKEN)
                : send(method, path, body, "Authorization", "Bearer " + TOKEN, "Content-Type", "application/json");
    }

    /** Writes raw bytes on a fresh connection and returns the first response, once complete or once the server goes quiet. */
    String raw(byte[] request) {
        try {
            Duration quiet = Duration.ofSeconds(3);
            return firstResponse(RawHttp.exchange(port(), request, quiet, quiet, TestApi::complete).text());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    String raw(String request) {
        return raw(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * The first response only. (After a "Connection: close" answer to a request whose body was not
     * read to the end, Helidon parses the unread rest as another request and answers it too, after
     * the response that told the client to close.)
     */
    private static String firstResponse(String text) {
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return text;
        }
        var m = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(text.substring(0, end));
        return m.find() ? text.substring(0, Math.min(text.length(), end + 4 + Integer.parseInt(m.group(1)))) : text;
    }

    /** A full response: headers ended and Content-Length bytes of body read. */
    private static boolean complete(String text) {
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        var m = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(text.substring(0, end));
        return m.find() && text.length() - end - 4 >= Integer.parseInt(m.group(1));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        server.stop();
        deadlines.close();
    }
}
