package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.http.RawHttp;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.ServerProcess;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes every endpoint of the real server (the paths of docs/openapi.yaml, the page and the
 * OpenAPI file): random and mutated methods, paths, headers and bodies, and requests mutated byte
 * by byte, over real sockets. Whatever arrives: never a 500, never a stack trace, and every error
 * is the JSON envelope with a request id. Reproducible: {@code -Dfuzz.seed=…}, {@code -Dfuzz.requests=…}.
 */
class EdgeFuzzTest {
    private static final long SEED = Long.getLong("fuzz.seed", 20261128L);
    private static final int REQUESTS = Integer.getInteger("fuzz.requests", 1200);
    private static final Set<String> SERVER_SIDE_CODES = Set.of("FAUCET_PAUSED", "INSUFFICIENT_BALANCE", "NODE_UNAVAILABLE",
            "RPC_TIMEOUT", "RPC_ERROR");
    private static final Set<String> ENVELOPE_KEYS = Set.of("code", "message", "details", "requestId");
    private static final String[] METHODS = {"GET", "GET", "GET", "POST", "POST", "POST", "POST", "PUT", "DELETE", "PATCH",
        "OPTIONS", "HEAD", "TRACE", "CONNECT", "FOO", "get", "P0ST"};
    private static final String[] CONTENT_TYPES = {"application/json", "application/json", "application/json; charset=utf-8",
        "application/json; charset=utf-16", "text/plain", "application/x-www-form-urlencoded", "application/ld+json",
        "multipart/form-data; boundary=x", "", "application/json;;;", "\u00e9/\u00e9"};
    private static final String[] HUGE = {"1e9999999999", "1E+2147483648", "-1e-2147483649", "1e1001", "0e-99999",
        "123456789012345678901234567890123456789012345678901234567890", "1.0e400", "-0", "NaN", "Infinity", "0x10"};
    private static final String[] SAMPLES = {
        "{\"address\": \"0x000000000000000000000000000000000000bEEF\"}",
        "{\"method\": \"eth_blockNumber\", \"params\": []}",
        "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"eth_getBalance\", \"params\": [\"0x000000000000000000000000000000000000bEEF\", \"latest\"]}",
        "[{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"eth_chainId\"}, {\"jsonrpc\": \"2.0\", \"id\": \"x\", \"method\": \"eth_blockNumber\"}]",
        "{\"amount\": 10000, \"note\": \"Emergency top-up\"}",
        "{\"reason\": \"under attack\"}",
        "{\"newKey\": \"4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\", \"drain\": false}",
        "{\"target\": \"10.0.0.0/8\", \"reason\": \"abuse\"}",
        "{\"address\": \"0x000000000000000000000000000000000000bEEF\", \"pow\": {\"challenge\": \"abc\", \"nonce\": \"1\"}}",
    };

    @TempDir
    static Path dir;
    private static LiveServer server;
    private static List<String> paths;

    @BeforeAll
    static void start() throws IOException {
        server = LiveServer.start(Map.of("PORT", "0", "HOST", "127.0.0.1", "DEV_BLOCK_TIME_MS", "200", "STATUS_REFRESH_MS", "200",
                "ADMIN_TOKEN", LiveServer.ADMIN_TOKEN, "RATE_LIMIT_REQUESTS_PER_MINUTE", "10000000",
                "HTTP_READ_TIMEOUT_MS", "2000"), dir);
        paths = new ArrayList<>(List.of("/", "/openapi.yaml", "/index.html", "/api", "/nope"));
        Matcher m = Pattern.compile("(?m)^  (/\\S*):\\s*$").matcher(Files.readString(ServerProcess.repoRoot().resolve("docs/openapi.yaml")));
        while (m.find()) {
            paths.add(m.group(1));
        }
        assertThat(paths).contains("/api/faucet", "/api/rpc", "/api/admin/topup", "/api/status");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** One generated request: its bytes, and whether it was mutated below HTTP (then no answer at all is fine). */
    record Attack(String description, byte[] bytes, boolean raw, String method) {
    }

    @Test
    void noRequestGetsA500AStackTraceOrAnythingButTheEnvelope() throws Exception {
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < REQUESTS; i++) {
                long seed = SEED + i;
                clients.submit(() -> {
                    Attack attack = generate(new Random(seed));
                    try {
                        String problem = check(attack, exchange(attack.bytes()));
                        if (problem != null) {
                            failures.add("seed " + seed + ": " + problem + "\n  request: " + attack.description());
                        }
                    } catch (IOException | RuntimeException e) {
                        failures.add("seed " + seed + ": " + e + "\n  request: " + attack.description());
                    }
                });
            }
            clients.shutdown();
            assertThat(clients.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
        }
        assertThat(failures).as(String.join("\n", failures.stream().limit(15).toList())).isEmpty();
        // and the server still serves
        assertThat(server.http.get("/readyz").status()).isEqualTo(200);
        assertThat(server.http.get("/api/status").status()).isEqualTo(200);
    }

    private static Attack generate(Random r) {
        String method = pick(r, METHODS);
        String path = path(r);
        List<String> headers = new ArrayList<>();
        if (r.nextInt(20) != 0) {
            headers.add("Host: 127.0.0.1");
        }
        String body = r.nextInt(4) == 0 && !method.equals("POST") ? null : body(r, path);
        if (body != null || r.nextBoolean()) {
            headers.add("Content-Type: " + pick(r, CONTENT_TYPES));
        }
        int extra = r.nextInt(6);
        for (int i = 0; i < extra; i++) {
            headers.add(header(r));
        }
        byte[] bodyBytes = body == null ? new byte[0]
                : r.nextInt(15) == 0 ? body.getBytes(StandardCharsets.UTF_16) : body.getBytes(StandardCharsets.UTF_8);
        boolean chunked = bodyBytes.length > 0 && r.nextInt(25) == 0;
        if (chunked) {
            headers.add("Transfer-Encoding: chunked");
        } else if (body != null) {
            headers.add("Content-Length: " + bodyBytes.length);
        }
        headers.add("Connection: close");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((method + " " + path + " HTTP/1.1\r\n" + String.join("\r\n", headers) + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        if (chunked) {
            out.writeBytes((Integer.toHexString(bodyBytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(bodyBytes);
            out.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            out.writeBytes(bodyBytes);
        }
        byte[] bytes = out.toByteArray();
        boolean raw = r.nextInt(8) == 0;
        if (raw) {
            bytes = mutateBytes(r, bytes);
        }
        String shown = new String(bytes, 0, Math.min(bytes.length, 600), StandardCharsets.ISO_8859_1)
                .replace("\r", "\\r").replace("\n", "\\n");
        return new Attack(shown, bytes, raw, method);
    }

    private static String path(Random r) {
        String p = pick(r, paths.toArray(String[]::new));
        p = p.replaceAll("\\{[^}]+}", pick(r, new String[] {"123", "g_" + Long.toHexString(r.nextLong()), "%00", "..",
            "00000000-0000-0000-0000-000000000000", "x".repeat(300)}));
        switch (r.nextInt(12)) {
            case 0 -> p += "?address=" + pick(r, new String[] {"0x000000000000000000000000000000000000bEEF",
                "0x000000000000000000000000000000000000beef", "0xZZ", "", "%00", "0x" + "1".repeat(400)});
            case 1 -> p += "?since=" + pick(r, new String[] {"2999-01-01T00:00:00Z", "yesterday", "-1", "2026-01-01T00:00:00Z"})
                    + "&limit=" + pick(r, new String[] {"-1", "0", "99999999999", "10", "1e9"});
            case 2 -> p += "?wait=" + pick(r, new String[] {"confirmed", "forever", ""}) + "&wait=confirmed";
            case 3 -> p += pick(r, new String[] {"/", "//", "/..", "/%2e%2e/%2e%2e/etc/passwd", "?a=%zz", "#frag", ";x=1", "/\u00e9"});
            case 4 -> p += "?" + "a=b&".repeat(r.nextInt(200));
            case 5 -> p = p.toUpperCase(Locale.ROOT);
            default -> {
            }
        }
        return p;
    }

    private static String body(Random r, String path) {
        String base = switch (r.nextInt(10)) {
            case 0 -> "";
            case 1 -> randomText(r, r.nextInt(200));
            case 2 -> "[".repeat(r.nextInt(3000)) + "]".repeat(r.nextInt(3000));
            case 3 -> "{\"a\":" + "{\"a\":".repeat(r.nextInt(2000)) + "1" + "}".repeat(r.nextInt(2001));
            default -> pick(r, SAMPLES);
        };
        int mutations = r.nextInt(4);
        StringBuilder b = new StringBuilder(base);
        for (int i = 0; i < mutations && b.length() > 0; i++) {
            int at = r.nextInt(b.length());
            switch (r.nextInt(7)) {
                case 0 -> b.insert(at, pick(r, HUGE));
                case 1 -> b.deleteCharAt(at);
                case 2 -> b.setLength(at);
                case 3 -> b.insert(at, pick(r, new String[] {"null", "\"\"", "[]", "{}", ",", ":", "\"x\":1,", "\\u0000", "\u0000",
                    "\ud800", "\"" + "a".repeat(5000) + "\"", "true", "-", "\"address\":\"0x1\","}));
                case 4 -> b.setCharAt(at, (char) r.nextInt(0x250));
                case 5 -> b.insert(at, "\"amount\":" + pick(r, HUGE) + ",");
                default -> b.append(pick(r, HUGE));
            }
        }
        return b.toString();
    }

    private static String header(Random r) {
        return switch (r.nextInt(16)) {
            case 0 -> "Authorization: Bearer " + LiveServer.ADMIN_TOKEN;
            case 1 -> "Authorization: " + pick(r, new String[] {"Bearer", "Bearer x", "Basic YTpi", "bearer " + LiveServer.ADMIN_TOKEN,
                "Bearer " + LiveServer.ADMIN_TOKEN + " extra", "Bearer " + "t".repeat(5000)});
            case 2 -> "Idempotency-Key: " + pick(r, new String[] {"k1", "", "\u00e9", "x".repeat(300), "a b"});
            case 3 -> "X-Forwarded-For: " + pick(r, new String[] {"1.2.3.4", "::1", "garbage", "1.2.3.4, 5.6.7.8", "", "[::1]:80",
                "999.999.999.999", ",,,,"});
            case 4 -> "X-Request-Id: " + pick(r, new String[] {"abc", "<script>", "x".repeat(200), ""});
            case 5 -> "Origin: " + pick(r, new String[] {"http://localhost:5173", "null", "http://evil.example", ""});
            case 6 -> "Content-Encoding: " + pick(r, new String[] {"gzip", "deflate", "br", "identity", "x"});
            case 7 -> "Expect: 100-continue";
            case 8 -> "Content-Length: " + pick(r, new String[] {"-1", "abc", "99999999999999999999", "0"});
            case 9 -> "Content-Type: " + pick(r, CONTENT_TYPES);
            case 10 -> "Access-Control-Request-Method: " + pick(r, METHODS);
            case 11 -> "Accept: " + pick(r, new String[] {"*/*", "text/html", "application/json", "\u00e9"});
            case 12 -> "Connection: " + pick(r, new String[] {"keep-alive", "close", "upgrade", "x"});
            case 13 -> "X-" + randomToken(r) + ": " + randomText(r, r.nextInt(50)).replace("\r", "").replace("\n", "");
            case 14 -> "Range: bytes=0-1";
            default -> "User-Agent: " + pick(r, new String[] {"curl/8.5.0", "", "\u00e9\u00e9"});
        };
    }

    private static byte[] mutateBytes(Random r, byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = r.nextInt(Math.max(1, Math.min(bytes.length, 400)));
        switch (r.nextInt(4)) {
            case 0 -> { // flip a byte
                byte[] copy = bytes.clone();
                copy[at] = (byte) r.nextInt(256);
                return copy;
            }
            case 1 -> { // drop a byte
                out.write(bytes, 0, at);
                out.write(bytes, at + 1, bytes.length - at - 1);
            }
            case 2 -> { // insert CR, LF, NUL, space or a colon
                out.write(bytes, 0, at);
                out.write(pick(r, new String[] {"\r", "\n", "\u0000", " ", ":", "\r\n", "\r\n\r\n"}).charAt(0));
                out.write(bytes, at, bytes.length - at);
            }
            default -> { // a second request pipelined behind
                out.writeBytes(bytes);
                out.writeBytes("GET /api/status HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        }
        return out.toByteArray();
    }

    /**
     * Writes the request and reads until the server closes the connection; a request mutated into
     * keeping the connection alive gets its answer, then 3 s of silence end the reading.
     */
    private static byte[] exchange(byte[] request) throws IOException {
        RawHttp.Received got = RawHttp.exchange(server.port(), request, Duration.ofSeconds(20), Duration.ofSeconds(3),
                RawHttp::untilClosed);
        if (got.bytes().length == 0 && !got.closed()) {
            throw new IOException("no answer within 20 s");
        }
        return got.bytes();
    }

    /** Null if the answer is acceptable, else what is wrong with it. */
    private static String check(Attack attack, byte[] answer) {
        String text = new String(answer, StandardCharsets.UTF_8);
        while (text.startsWith("HTTP/1.1 100 Continue\r\n\r\n")) {
            text = text.substring("HTTP/1.1 100 Continue\r\n\r\n".length());
        }
        if (text.isEmpty()) {
            return attack.raw() ? null : "no answer at all";
        }
        Matcher status = Pattern.compile("^HTTP/1\\.1 (\\d{3}) ").matcher(text);
        if (!status.find()) {
            return "not an HTTP/1.1 answer: " + abbreviate(text);
        }
        int code = Integer.parseInt(status.group(1));
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return "answer without end of headers: " + abbreviate(text);
        }
        String head = text.substring(0, headEnd).toLowerCase(Locale.ROOT);
        String body = firstBody(text, headEnd);
        if (code == 101) {
            return null; // a WebSocket upgrade: not HTTP any more
        }
        if (text.contains("\tat ") || text.contains("\n\tat") || text.contains("Exception:")) {
            return "a stack trace: " + abbreviate(text);
        }
        if (code == 500) {
            return "500: " + abbreviate(text);
        }
        if (!head.contains("\r\nx-request-id:")) {
            return "no X-Request-Id: " + abbreviate(text);
        }
        if (code < 400 || attack.method().equals("HEAD")) {
            return null;
        }
        if (!head.contains("content-type: application/json")) {
            return code + " not JSON: " + abbreviate(text);
        }
        JsonNode envelope;
        try {
            envelope = ApiClient.parse(body);
        } catch (RuntimeException e) {
            return code + " body is not one JSON value: " + abbreviate(text);
        }
        if (!envelope.isObject() || !envelope.path("code").isTextual() || !envelope.path("message").isTextual()
                || !envelope.path("requestId").isTextual()) {
            return code + " not the envelope: " + abbreviate(text);
        }
        for (var names = envelope.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!ENVELOPE_KEYS.contains(name)) {
                return code + " envelope with an extra key " + name + ": " + abbreviate(text);
            }
        }
        String lower = body.toLowerCase(Locale.ROOT);
        if (lower.contains("helidon") || lower.contains("jackson") || lower.contains("exception")) {
            return code + " a framework's words in the answer: " + abbreviate(text);
        }
        if (code >= 500 && !SERVER_SIDE_CODES.contains(envelope.get("code").asText())) {
            return code + " " + envelope.get("code").asText() + ": " + abbreviate(text);
        }
        return null;
    }

    /** The first response's body (a pipelined request behind may have its own answer). */
    private static String firstBody(String text, int headEnd) {
        Matcher length = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(text.substring(0, headEnd));
        int start = headEnd + 4;
        return length.find() ? text.substring(start, Math.min(text.length(), start + Integer.parseInt(length.group(1))))
                : text.substring(start);
    }

    private static String abbreviate(String text) {
        String flat = text.replace("\r", "\\r").replace("\n", "\\n");
        return flat.length() > 700 ? flat.substring(0, 700) + "…" : flat;
    }

    private static String pick(Random r, String[] options) {
        return options[r.nextInt(options.length)];
    }

    private static String randomText(Random r, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append((char) (r.nextInt(10) == 0 ? r.nextInt(0x3000) : 0x20 + r.nextInt(0x5f)));
        }
        return b.toString();
    }

    private static String randomToken(Random r) {
        return HexFormat.of().formatHex(new byte[] {(byte) r.nextInt(), (byte) r.nextInt()});
    }
}
