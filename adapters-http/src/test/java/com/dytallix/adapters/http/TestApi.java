package com.dytallix.adapters.http;

import com.dytallix.application.assembly.Application;
import com.dytallix.application.faucet.FaucetPolicy;
import com.dytallix.application.faucet.Finality;
import com.dytallix.domain.payer.InMemoryPayerLeases;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.TestKeccak;
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
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The whole HTTP API on a real socket (127.0.0.1, a free port), over real application services and the fakes. */
final class TestApi implements AutoCloseable {
    static final String TOKEN = "test-admin-token-0123456789abcdef-0123456789";

    /** What a test may change before the server starts. */
    static final class Options {
        List<IpRange> trustedProxies = List.of();
        List<IpRange> adminAllowed = List.of(IpRange.parse("127.0.0.1"), IpRange.parse("::1"));
        List<String> origins = List.of("http://localhost:5173");
        int requestsPerMinute = 10_000;
        int rpcRequestsPerMinute = 10_000;
        long sizeLimit = 4096;
        int maxBatch = 5;
        long rpcCacheMaxBytes = 1 << 20;
        int wsMaxMessageBytes = 4096;
        int wsMaxConnections = 3;
        int wsMaxSubscriptions = 2;
        Duration wsPingInterval = RpcWebSocket.PING_INTERVAL;
        Duration readTimeout = Duration.ofSeconds(10);
        Duration idleTimeout = Duration.ofSeconds(60);
        Duration statusStaleAfter = Duration.ofSeconds(30);
        boolean webPage = true;
        List<String> rpcMethods = List.of("eth_blockNumber", "eth_chainId", "eth_getBalance", "eth_call",
                "net_version", "eth_accounts", "personal_sign", "eth_sendTransaction");
    }

    final TestPorts.MutableClock clock = new TestPorts.MutableClock(Instant.parse("2026-01-31T12:00:00Z"));
    final TestPorts.Node node = new TestPorts.Node();
    final TestPorts.Keys keys = new TestPorts.Keys();
    final TestPorts.Controls controls = new TestPorts.Controls();
    final TestPorts.Rotations rotations = new TestPorts.Rotations();
    final InMemoryBlockList blockList = new InMemoryBlockList();
    final InMemoryChallengeStore challenges = new InMemoryChallengeStore();
    final TestPorts.Ledger ledger = new TestPorts.Ledger();
    final InMemoryPayerLeases leases = new InMemoryPayerLeases();
    final TestPorts.Counters telemetry = new TestPorts.Counters();
    final List<String> observed = new java.util.concurrent.CopyOnWriteArrayList<>();
    final Options options = new Options();
    final TestPorts.Blocks blocks = new TestPorts.Blocks();
    final Application app;
    final ChainFeed feed;
    final RpcWebSocket ws;
    private final WebServer server;
    private final ReadDeadlines deadlines;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestApi(Consumer<Options> customise) {
        customise.accept(options);
        FeePolicy fees = new FeePolicy(Wei.ofDyt("0.0000005"));
        FaucetPolicy policy = new FaucetPolicy(Wei.ofDyt("10"), Wei.ofDyt("100"),
                new FaucetPolicy.Limits(10, 50, 1, Wei.ofDyt("10000"), 5),
                new OutflowPolicy(Wei.ofDyt("10000"), Wei.ofDyt("416"), new BigDecimal("0.1")),
                new ProofOfWorkPolicy(0, 16384, 8, 1, Duration.ofMinutes(10)), 64, new BigDecimal("0.1"),
                fees, Duration.ofSeconds(30), Duration.ofSeconds(5));
        ReputationList reputation = ip -> false;
        app = Application.assemble(
                new Application.Ports(node, blocks, keys, ledger, controls, rotations, leases, blockList, challenges, reputation,
                        (c, nonce) -> false, TestKeccak.INSTANCE, telemetry, clock),
                new Application.Choices(policy, options.rpcMethods, Optional.empty(), Optional.empty(), options.wsMaxSubscriptions,
                        new Finality(1, 64), "test-instance", Duration.ofSeconds(30)));
        app.election().campaign();
        feed = app.feed();
        ApiDependencies deps = dependencies();
        HttpRouting.Builder routing = HttpRouting.builder();
        ws = ApiRouting.configure(routing, deps, options.wsPingInterval);
        var builder = WebServer.builder().host("127.0.0.1").port(0);
        deadlines = HttpListener.configure(builder,
                new HttpListener.Limits(options.sizeLimit, options.readTimeout, options.idleTimeout));
        server = builder
                .routing(routing)
                .addRouting(ws.routing())
                .addProtocol(ws.protocol())
                .build()
                .start();
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
                (method, route, code, nanos) -> observed.add(method + " " + route + " " + code),
                List.of(new HealthHttpService.Check("test", Optional::empty)), clock,
                options.trustedProxies, options.adminAllowed, TOKEN, options.origins, options.requestsPerMinute, 64,
                options.rpcRequestsPerMinute, options.sizeLimit, options.maxBatch, options.rpcCacheMaxBytes,
                new Finality(2, 64), app.feed(), options.wsMaxConnections, options.wsMaxMessageBytes,
                options.statusStaleAfter, options.webPage);
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
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
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

    /** Writes raw bytes on a fresh connection and returns everything the server answers until it closes or goes quiet. */
    String raw(byte[] request) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port()), 5000);
            socket.setSoTimeout(3000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            List<Byte> got = new ArrayList<>();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    for (int i = 0; i < n; i++) {
                        got.add(buf[i]);
                    }
                    if (complete(got)) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException quiet) {
                // the server answered and kept the connection, or reset it after answering
            }
            byte[] bytes = new byte[got.size()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = got.get(i);
            }
            return firstResponse(new String(bytes, StandardCharsets.ISO_8859_1));
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
    private static boolean complete(List<Byte> got) {
        byte[] bytes = new byte[got.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = got.get(i);
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        var m = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(text.substring(0, end));
        return m.find() && text.length() - end - 4 >= Integer.parseInt(m.group(1));
    }

    @Override
    public void close() {
        server.stop();
        deadlines.close();
    }
}
