package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The answers given before routing (the parser's refusals, HTTP/1.0, a body over the backstop, a
 * connection over a limit) are told to the observer like every other request: the access line and
 * {@code http_requests_total{path="unrouted"}}, with the answer's request id and the client, and
 * whatever the request line held can neither break a log line nor make a new metric series.
 */
class UnroutedAnswersTest {
    @RegisterExtension
    static final TestApi api = TestApi.start();

    private static final Pattern REQUEST_ID = Pattern.compile("(?i)\r\nX-Request-Id: ([^\r\n]+)\r\n");

    /** Sends {@code request}, expects {@code status}, and returns what the observer was told of it (found by its request id). */
    private static TestApi.Refused refusedAs(TestApi api, String request, int status) throws InterruptedException {
        String reply = api.raw(request);
        assertThat(reply).as(request.length() > 200 ? request.substring(0, 200) : request).startsWith("HTTP/1.1 " + status + " ");
        Matcher id = REQUEST_ID.matcher(reply);
        assertThat(id.find()).as(reply).isTrue();
        return toldOf(api, id.group(1));
    }

    private static TestApi.Refused toldOf(TestApi api, String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        do {
            for (TestApi.Refused r : api.refused) {
                if (r.requestId().equals(requestId)) {
                    return r;
                }
            }
            Thread.sleep(5);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the observer was not told of " + requestId + ": " + api.refused);
    }

    private static double unrouted(TestApi api, int status) {
        return api.meters.find("http.requests").tags("path", RequestObserver.UNROUTED, "status", Integer.toString(status))
                .counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void everyKindOfRefusalBeforeRoutingIsToldWithItsStatusCodeRequestIdAndClient() throws Exception {
        record Case(String request, int status, String code, String method, String path) {
        }
        List<Case> cases = List.of(
                new Case("GET /" + "p".repeat(5000) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "INVALID_REQUEST", null, null),
                new Case("GET /api/status HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n", 431, "INVALID_REQUEST",
                        null, null),
                new Case("GARBAGE\r\n\r\n", 400, "INVALID_REQUEST", null, null),
                new Case("GET /api/status HTTP/1.1\r\nHost: a\r\nBad Header Line\r\n\r\n", 400, "INVALID_REQUEST", null, null),
                new Case("GET /api/status HTTP/1.0\r\nHost: a\r\n\r\n", 505, "INVALID_REQUEST", "GET", "/api/status"),
                // a declared body over the listener's backstop: refused before the routing reads it
                new Case("POST /api/faucet HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{",
                        413, "PAYLOAD_TOO_LARGE", "POST", "/api/faucet"));
        for (Case c : cases) {
            double before = unrouted(api, c.status());
            TestApi.Refused told = refusedAs(api, c.request(), c.status());
            assertThat(told.status()).isEqualTo(c.status());
            assertThat(told.code()).isEqualTo(c.code());
            assertThat(told.clientIp()).isEqualTo("127.0.0.1");
            assertThat(told.method()).isNotEmpty();
            assertThat(told.path()).isNotEmpty();
            if (c.method() != null) {
                assertThat(told.method()).isEqualTo(c.method());
                assertThat(told.path()).isEqualTo(c.path());
            }
            assertThat(unrouted(api, c.status())).as("http_requests_total{path=unrouted,status=%s}", c.status()).isEqualTo(before + 1);
        }
        assertThat(api.observed).as("none of them reached the routing").noneMatch(o -> o.contains("unrouted"));
    }

    /** Sends each request, expects an answer given before routing, and returns what the observer was told of them all. */
    private static List<TestApi.Refused> refusedAll(String... requests) throws InterruptedException {
        int told = api.refused.size();
        for (String request : requests) {
            assertThat(api.raw(request)).as(request.substring(0, Math.min(40, request.length())))
                    .matches("(?s)HTTP/1\\.1 (4\\d\\d|505) .*");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (api.refused.size() < told + requests.length && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        List<TestApi.Refused> refused = new ArrayList<>(api.refused.subList(told, api.refused.size()));
        assertThat(refused).hasSize(requests.length);
        return refused;
    }

    @RegisterExtension
    final LogWarnings warnings = new LogWarnings();

    /**
     * A client cannot raise the server's warnings: whatever it sends before routing (HTTP/1.0's 505
     * included, a 5xx only by its number) is its own doing and logs no warning; the access line is the
     * observer's (an INFO line for these, see AccessLog). A server failure still warns.
     */
    @Test
    void whatAClientSendsBeforeRoutingRaisesNoWarningWhileAServerFailureStillDoes() throws Exception {
        String[] clientsDoing = {
            "GET /api/status HTTP/1.0\r\nHost: a\r\n\r\n",
            "GET /api/status HTTP/1.0\r\n\r\n",
            "PU:T /api/status HTTP/1.1\r\nHost: a\r\n\r\n",
            "GARBAGE\r\n\r\n",
            "GET /" + "p".repeat(5000) + " HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /api/status HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n",
            "POST /api/faucet HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n{",
        };
        assertThat(refusedAll(clientsDoing)).extracting(TestApi.Refused::status).contains(505, 400, 414, 431, 413);
        assertThat(warnings.records()).as(warnings.describe()).isEmpty();

        api.chain.down(true);
        try {
            assertThat(api.postJson("/api/rpc", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\"}").status())
                    .isGreaterThanOrEqualTo(500);
        } finally {
            api.chain.down(false);
        }
        assertThat(warnings.records()).as("the node failing is the server's trouble: a warning").isNotEmpty();
    }

    @Test
    void aHostileRequestLineCannotForgeALogLineOrAMetricSeries() throws Exception {
        Set<Meter.Id> seriesBefore = api.meters.getMeters().stream().map(Meter::getId).collect(Collectors.toSet());
        String[] hostile = {
            // a bare CR and an escape sequence inside the request line, a forged access line after a LF
            "GET /api/\u001b[31mred\rx HTTP/1.1\r\nHost: a\r\n\r\n",
            "G\u001bT /x\n{\"logger\":\"access\",\"status\":200} HTTP/1.1\r\nHost: a\r\n\r\n",
            "\u0007\u0000\u00ff /\u0085\u2028 HTTP/1.1\r\nHost: a\r\n\r\n",
            // what the parser reads whole before it refuses (the method and path then reach the observer)
            "GET /\u001b[2J\u001b[31mred\u0085\u00ff\"\\ HTTP/1.0\r\nHost: a\r\n\r\n",
            "GET /\u0007\u009b HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n",
            "POST /\u001b]0;title\u0007 HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n",
            // 4 KiB of junk, one line
            "GET /" + junk(4000) + " HTTP/1.0\r\nHost: a\r\n\r\n",
            "GET /" + junk(4096) + " HTTP/1.1\r\nHost: a\r\n\r\n",
            junk(4096) + "\r\n\r\n",
            "GET /" + "%0d%0a".repeat(700) + " HTTP/1.1\r\nHost: a\r\n\r\n",
        };
        List<TestApi.Refused> refused = refusedAll(hostile);
        assertThat(refused).as("some got as far as a method and path").filteredOn(r -> !r.path().equals("-")).hasSizeGreaterThanOrEqualTo(4);
        for (TestApi.Refused r : refused) {
            for (String field : new String[] {r.method(), r.path()}) {
                assertThat(field.length()).as(field).isLessThanOrEqualTo(LogSafe.LONGEST);
                assertThat(field.chars()).as(field).allMatch(c -> c > 0x20 && c < 0x7F);
            }
        }
        // every new series is one of the unrouted path's, by a known method label (or "other") and a status
        List<Meter.Id> added = api.meters.getMeters().stream().map(Meter::getId).filter(id -> !seriesBefore.contains(id)).toList();
        assertThat(added).allSatisfy(id -> {
            assertThat(id.getTag("path")).isEqualTo(RequestObserver.UNROUTED);
            assertThat(id.getTag("method")).isIn("GET", "POST", "other");
            assertThat(id.getTag("status")).isIn("400", "413", "414", "431", "505");
        });
    }

    @Test
    void logSafeBoundsAndEscapesWhatItIsGiven() {
        assertThat(LogSafe.of("/api/status", "-")).isEqualTo("/api/status");
        assertThat(LogSafe.of(null, "-")).isEqualTo("-");
        assertThat(LogSafe.of("", "-")).isEqualTo("-");
        assertThat(LogSafe.of("/a\r\n{\"x\":1}\u001b[0m\u00ff", "-")).isEqualTo("/a%0D%0A{\"x\":1}%1B[0m%FF");
        assertThat(LogSafe.of("/a b", "-")).isEqualTo("/a%20b");
        String bounded = LogSafe.of("x".repeat(10_000), "-");
        assertThat(bounded).hasSize(LogSafe.MAX + 3).endsWith("...");
        assertThat(LogSafe.of("\n".repeat(10_000), "-")).hasSizeLessThanOrEqualTo(LogSafe.LONGEST).startsWith("%0A%0A").endsWith("...");
        assertThat(LogSafe.of("\u2028".repeat(10_000), "-")).hasSizeLessThanOrEqualTo(LogSafe.LONGEST).startsWith("%u2028%u2028");
        assertThat(LogSafe.of("/\uFFFD\u0085", "-")).isEqualTo("/%uFFFD%85");
    }

    @Test
    void connectionsOverALimitAreToldAsRefusedWithTheClientAndTheAnswersRequestId() throws Exception {
        try (TestApi limited = TestApi.start(o -> {
            o.maxConnectionsPerClient = 2;
            o.maxConnections = 3;
        })) {
            List<Socket> held = new ArrayList<>();
            try {
                held.add(RawHttp.connect(limited.port(), "127.0.0.1"));
                held.add(RawHttp.connect(limited.port(), "127.0.0.1"));
                limited.awaitOpenConnections(2);
                String perClient = RawHttp.exchange(RawHttp.connect(limited.port(), "127.0.0.1"), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(perClient).startsWith("HTTP/1.1 429 ");
                TestApi.Refused client = toldOf(limited, requestId(perClient));
                assertThat(client).isEqualTo(new TestApi.Refused("-", "-", 429, "RATE_LIMIT", requestId(perClient), "127.0.0.1"));

                held.add(RawHttp.connect(limited.port(), "127.0.0.2"));
                limited.awaitOpenConnections(3);
                String busy = RawHttp.exchange(RawHttp.connect(limited.port(), "127.0.0.3"), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(busy).startsWith("HTTP/1.1 503 ");
                TestApi.Refused server = toldOf(limited, requestId(busy));
                assertThat(server).isEqualTo(new TestApi.Refused("-", "-", 503, "SERVER_BUSY", requestId(busy), "127.0.0.3"));

                assertThat(unrouted(limited, 429)).isEqualTo(1);
                assertThat(unrouted(limited, 503)).isEqualTo(1);
                assertThat(limited.meters.find("http.requests").tag("path", RequestObserver.UNROUTED).counters())
                        .allSatisfy(c -> assertThat(c.getId().getTag("method")).isEqualTo("other"));
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }
        }
    }

    private static String junk(int n) {
        StringBuilder out = new StringBuilder(n);
        java.util.Random random = new java.util.Random(42);
        while (out.length() < n) {
            char c = (char) random.nextInt(256);
            if (c != '\r' && c != '\n' && c != ' ') {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String requestId(String reply) {
        Matcher id = REQUEST_ID.matcher(reply);
        assertThat(id.find()).as(reply).isTrue();
        return id.group(1);
    }
}
