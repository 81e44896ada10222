package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The protocol gaps round 15's hostile sweep found and left: HEAD on the GET routes, a WebSocket
 * handshake without version 13, several Content-Types, a body in another charset or not UTF-8.
 */
class ProtocolGapsTest {
    @RegisterExtension
    static final TestApi api = TestApi.start();
    private static final String ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    private static final Pattern LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)");

    /** One answer of several on a connection: its status line and headers, and what followed them. */
    private record Answer(String head, String rest) {
        int status() {
            return Integer.parseInt(head.substring(9, 12));
        }

        String header(String name) {
            Matcher m = Pattern.compile("(?im)^" + name + ":\\s*(.*?)\\s*$").matcher(head);
            return m.find() ? m.group(1) : null;
        }
    }

    /**
     * A HEAD and then a GET of /healthz on the same connection: the HEAD's answer must end with its
     * headers, or the GET's answer would not start where the client reads the next one.
     */
    private static Answer head(String path, String... headers) {
        StringBuilder request = new StringBuilder("HEAD " + path + " HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        request.append("\r\nGET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        String text;
        try {
            text = RawHttp.exchange(RawHttp.connect(api.port()), request.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int end = text.indexOf("\r\n\r\n");
        assertThat(end).as(text).isPositive();
        Answer answer = new Answer(text.substring(0, end), text.substring(end + 4));
        assertThat(answer.rest()).as("what follows the HEAD's headers: the next answer, no body").startsWith("HTTP/1.1 200");
        return answer;
    }

    @Test
    void headOnEveryGetRouteIsTheGetsStatusAndHeadersWithoutTheBody() {
        String grantId = api.grant("head", "10.0.0.1", api.clock.instant()).id().value();
        for (String path : new String[] {"/api/status", "/api/balance?address=" + ADDRESS, "/api/faucet/info",
                "/api/faucet/grants/" + grantId, "/healthz", "/readyz", "/", "/openapi.yaml"}) {
            var get = api.get(path);
            Answer head = head(path);
            assertThat(head.status()).as(path).isEqualTo(get.status()).isEqualTo(200);
            assertThat(head.header("Content-Type")).as(path).isEqualTo(get.header("Content-Type").orElseThrow());
            assertThat(head.header("X-Request-Id")).as(path).isNotNull();
            assertThat(Long.parseLong(head.header("Content-Length"))).as(path).isPositive();
            if (!path.startsWith("/api/status") && !path.startsWith("/readyz") && !path.startsWith("/api/faucet/")) {
                // answers that do not change between two requests: the length is the GET's body's
                assertThat(Long.parseLong(head.header("Content-Length"))).as(path)
                        .isEqualTo(get.body().getBytes(StandardCharsets.UTF_8).length);
            }
        }
        Answer page = head("/");
        assertThat(page.header("Content-Security-Policy")).isEqualTo(WebDocument.CONTENT_SECURITY_POLICY);
        assertThat(page.header("ETag")).isNotNull();
        // what the GET refuses, the HEAD refuses: the same status and headers, no body
        Answer noAddress = head("/api/balance");
        assertThat(noAddress.status()).isEqualTo(api.get("/api/balance").status()).isEqualTo(400);
        assertThat(noAddress.header("Content-Type")).startsWith("application/json");
        assertThat(head("/api/faucet/grants/00000000-0000-4000-8000-000000000000").status()).isEqualTo(404);
        assertThat(head("/no/such/route").status()).isEqualTo(404);
        assertThat(api.send("OPTIONS", "/api/status", null).header("Allow")).contains("GET, HEAD, OPTIONS");
    }

    /** The status line and headers of the answer to a raw request on a connection of its own, by lower-case name; Date and X-Request-Id left out. */
    private static java.util.SortedMap<String, String> headersOf(String method, String path) {
        String reply;
        try {
            reply = RawHttp.exchange(RawHttp.connect(api.port()), method + " " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int end = reply.indexOf("\r\n\r\n");
        assertThat(end).as(reply).isPositive();
        if (method.equals("HEAD")) {
            assertThat(reply.substring(end + 4)).as("what follows the headers of HEAD " + path).isEmpty();
        }
        java.util.SortedMap<String, String> headers = new java.util.TreeMap<>();
        String[] lines = reply.substring(0, end).split("\r\n");
        headers.put(":status", lines[0]);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            if (!name.equals("date") && !name.equals("x-request-id")) {
                headers.merge(name, lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
            }
        }
        return headers;
    }

    @Test
    void aHeadsStatusAndHeadersAreItsGetsContentLengthIncludedWhateverTheAnswer() {
        String page = api.get("/").body();
        Matcher asset = Pattern.compile("(?:src|href)=\"(/assets/[0-9a-f]{12}/[a-z-]+\\.(?:js|css|svg))\"").matcher(page);
        assertThat(asset.find()).as(page).isTrue();
        // RFC 9110 9.3.2: the HEAD's headers are the GET's, Content-Length the GET's body's length; answers
        // that do not change between two requests: a 200 of each kind, a 400, a 401, 404s (an unknown path, an unknown
        // grant, an unknown asset), 405s (paths without a GET, whose message names the method) and the relay's 426
        for (String path : new String[] {"/", asset.group(1), "/openapi.yaml", "/healthz", "/api/faucet/info", "/nope",
                "/no/such/route?x=1", "/api/faucet/grants/00000000-0000-4000-8000-000000000000", "/api/faucet/grants/not-a-uuid",
                "/assets/000000000000/none.css", "/api/balance", "/api/admin/state", "/api/faucet", "/api/admin/pause", "/api/rpc"}) {
            var get = headersOf("GET", path);
            assertThat(get).as("GET " + path).containsKey("content-length");
            assertThat(headersOf("HEAD", path)).as("HEAD " + path).isEqualTo(get);
        }
        // /api/status answers the node's height of the moment: the same status and header names
        assertThat(headersOf("HEAD", "/api/status").keySet()).isEqualTo(headersOf("GET", "/api/status").keySet());
    }

    @Test
    void aHeadRefusedBeforeRoutingHasNoBodyEither() {
        String request = "HEAD /api/status HTTP/1.1\r\nHost: a\r\nBad Header Line\r\n\r\n";
        String reply = api.raw(request);
        assertThat(reply).as(request).startsWith("HTTP/1.1 400");
        assertThat(reply.toLowerCase(Locale.ROOT)).as(request).contains("x-request-id:").contains("content-length: 0");
        assertThat(RawHttp.body(reply)).as(request).isEmpty();
        // a HEAD asking for the WebSocket is no handshake (RFC 6455: a GET): routed as the HEAD it is
        Answer upgrade = head("/api/rpc", "Upgrade", "websocket", "Connection", "Upgrade",
                "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version", "13");
        assertThat(upgrade.status()).isEqualTo(426);
        // and a POST asking for it is the relay's POST
        String post = api.raw("POST /api/rpc HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Type: application/json\r\n"
                + "Content-Length: 40\r\n\r\n{\"method\":\"eth_blockNumber\",\"params\":[]}");
        assertThat(post).startsWith("HTTP/1.1 200");
    }

    @Test
    void headWhereThereIsNoGetIs405WithAllowAndDoesNothing() {
        Answer faucet = head("/api/faucet");
        assertThat(faucet.status()).isEqualTo(405);
        assertThat(faucet.header("Allow")).isEqualTo("POST, OPTIONS");
        assertThat(head("/api/admin/pause", "Authorization", "Bearer " + TestApi.TOKEN).header("Allow")).isEqualTo("POST, OPTIONS");
        // the route's label and the method as sent, in the access line and the metrics
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!api.observed.contains("HEAD /api/faucet 405") && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(api.observed).contains("HEAD /api/faucet 405");
        // GET /api/rpc is the WebSocket's handshake: a HEAD is answered as a GET without Upgrade, 426
        Answer rpc = head("/api/rpc");
        assertThat(rpc.status()).isEqualTo(426);
        assertThat(rpc.header("Upgrade")).isEqualTo("websocket");
    }

    @Test
    void aWebSocketHandshakeWithoutVersion13Is426AndUpgradesNothing() {
        String upgrade = "GET /api/rpc HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        for (String version : new String[] {"", "Sec-WebSocket-Version: 8\r\n", "Sec-WebSocket-Version: abc\r\n",
                "Sec-WebSocket-Version: 13, 8\r\n", "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 8\r\n"}) {
            String reply = api.raw(upgrade + version + "\r\n");
            assertThat(reply).as(version).startsWith("HTTP/1.1 426");
            String head = reply.substring(0, reply.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
            assertThat(head).as(version).contains("sec-websocket-version: 13").contains("x-request-id:")
                    .doesNotContain("sec-websocket-accept");
            JsonNode body = Json.parse(RawHttp.body(reply).getBytes(StandardCharsets.UTF_8));
            assertThat(body.get("message").asText()).as(version).contains("Sec-WebSocket-Version: 13");
        }
        assertThat(api.raw(upgrade + "Sec-WebSocket-Version: 13\r\n\r\n")).startsWith("HTTP/1.1 101");
        // another path with the same handshake is no WebSocket, as before
        assertThat(api.raw("GET /healthz HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
    }

    /** A raw POST with the given header lines and body, on every endpoint that takes a body. */
    private static String post(String path, String headerLines, byte[] body) {
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + TestApi.TOKEN + "\r\n" + headerLines
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        return api.raw(request);
    }

    private static JsonNode envelope(String reply, int status) {
        assertThat(reply).as(reply).startsWith("HTTP/1.1 " + status);
        assertThat(reply.toLowerCase(Locale.ROOT)).contains("content-type: application/json");
        JsonNode body = Json.parse(RawHttp.body(reply).getBytes(StandardCharsets.ISO_8859_1));
        assertThat(body.get("requestId").isTextual()).isTrue();
        return body;
    }

    private static final String[] BODY_PATHS = {"/api/faucet", "/api/rpc", "/api/admin/topup"};

    @Test
    void severalContentTypesOrAnUnclosedQuoteAre400OnEveryEndpointThatTakesABody() {
        byte[] body = "{\"address\": \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"}".getBytes(StandardCharsets.UTF_8);
        for (String path : BODY_PATHS) {
            for (String types : new String[] {"Content-Type: application/json\r\nContent-Type: text/plain\r\n",
                    "Content-Type: text/plain\r\nContent-Type: application/json\r\n",
                    "Content-Type: application/json\r\nContent-Type: application/json\r\n",
                    "Content-Type: application/json, text/plain\r\n", "Content-Type: text/plain, application/json\r\n"}) {
                JsonNode error = envelope(post(path, types, body), 400);
                assertThat(error.get("code").asText()).as(path + " " + types).isEqualTo("INVALID_REQUEST");
                assertThat(error.get("message").asText()).as(path + " " + types).contains("exactly one Content-Type");
            }
        }
        // a quoted value the header ends inside: malformed, whatever it would have said (it was read as UTF-8)
        for (String path : BODY_PATHS) {
            for (String type : new String[] {"application/json; charset=\"utf-8", "application/json; charset=\"utf-8\\\"",
                    "application/json; x=\"a; charset=utf-8", "application/json; charset=\""}) {
                JsonNode error = envelope(post(path, "Content-Type: " + type + "\r\n", body), 400);
                assertThat(error.get("code").asText()).as(path + " " + type).isEqualTo("INVALID_REQUEST");
                assertThat(error.get("message").asText()).as(path + " " + type).contains("Content-Type is malformed");
            }
        }
        // a comma inside a quoted parameter is no list
        assertThat(post("/api/rpc", "Content-Type: application/json; x=\"a,b\"\r\n",
                "{\"method\":\"eth_blockNumber\",\"params\":[]}".getBytes(StandardCharsets.UTF_8))).startsWith("HTTP/1.1 200");
    }

    @Test
    void aCharsetOtherThanUtf8Is415NamingUtf8() {
        byte[] body = "{\"method\":\"eth_blockNumber\",\"params\":[]}".getBytes(StandardCharsets.UTF_8);
        for (String path : BODY_PATHS) {
            for (String charset : new String[] {"iso-8859-1", "ISO-8859-1", "\"latin1\"", "utf-16", "utf8", "us-ascii", "bogus", "\"\""}) {
                JsonNode error = envelope(post(path, "Content-Type: application/json; charset=" + charset + "\r\n", body), 415);
                assertThat(error.get("code").asText()).as(path + " " + charset).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
                assertThat(error.get("message").asText()).as(path + " " + charset).contains("UTF-8");
            }
            assertThat(post(path, "Content-Type: application/json; foo=bar; charset=latin1\r\n", body)).startsWith("HTTP/1.1 415");
        }
        for (String charset : new String[] {"utf-8", "UTF-8", "\"utf-8\"", "\"UTF-8\"", "Utf-8 ", "utf-8; foo=bar"}) {
            assertThat(post("/api/rpc", "Content-Type: application/json; charset=" + charset + "\r\n", body)).as(charset)
                    .startsWith("HTTP/1.1 200");
        }
        assertThat(post("/api/rpc", "Content-Type: application/json; Charset = utf-8\r\n", body)).startsWith("HTTP/1.1 200");
    }

    @Test
    void bytesThatAreNotUtf8AreSaidToBeSo() {
        byte[] latin1 = "{\"address\": \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\", \"x\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        for (String path : new String[] {"/api/faucet", "/api/admin/topup"}) {
            JsonNode error = envelope(post(path, "Content-Type: application/json\r\n", latin1), 400);
            assertThat(error.get("code").asText()).isEqualTo("INVALID_REQUEST");
            assertThat(error.get("message").asText()).as(path).contains("not valid UTF-8");
        }
        // the relay: JSON-RPC's parse error where JSON-RPC was meant, the envelope for the simple form
        for (byte[] bad : new byte[][] {
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[\"\u00e9\"]}".getBytes(StandardCharsets.ISO_8859_1),
                "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":[],\"x\":\"\u00ff\"}]".getBytes(StandardCharsets.ISO_8859_1),
                // an overlong '/' and a surrogate in UTF-8's form: bytes a lenient decoder lets through
                bytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":[],\"x\":\"", 0xC0, 0xAF, '"', '}'),
                bytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":[\"", 0xED, 0xA0, 0x80, '"', ']', '}')}) {
            String reply = post("/api/rpc", "Content-Type: application/json\r\n", bad);
            JsonNode error = Json.parse(RawHttp.body(reply).getBytes(StandardCharsets.UTF_8));
            assertThat(error.get("error").get("code").asInt()).as(reply).isEqualTo(-32700);
            assertThat(error.get("error").get("message").asText()).contains("not valid UTF-8");
        }
        JsonNode simple = envelope(post("/api/rpc", "Content-Type: application/json\r\n",
                "{\"method\":\"eth_call\",\"params\":[\"\u00e9\"]}".getBytes(StandardCharsets.ISO_8859_1)), 400);
        assertThat(simple.get("message").asText()).contains("not valid UTF-8");
        // UTF-8 itself, beyond ASCII, is read as before
        String utf8 = post("/api/rpc", "Content-Type: application/json\r\n",
                "{\"jsonrpc\":\"2.0\",\"id\":\"caf\u00e9 \u20ac \uD83D\uDE00\",\"method\":\"eth_blockNumber\",\"params\":[]}".getBytes(StandardCharsets.UTF_8));
        assertThat(utf8).startsWith("HTTP/1.1 200");
        assertThat(RawHttp.body(utf8)).contains("\"result\"");
    }

    @Test
    void theUtf8CheckAgreesWithTheJdksStrictDecoder() {
        assertThat(Bodies.utf8(new byte[0])).isTrue();
        assertThat(Bodies.utf8("plain ASCII, longer than eight bytes".getBytes(StandardCharsets.US_ASCII))).isTrue();
        assertThat(Bodies.utf8("\u00e9\u20ac\uD83D\uDE00".getBytes(StandardCharsets.UTF_8))).isTrue();
        for (int at = 0; at < 20; at++) {
            byte[] body = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
            body[at] = (byte) 0xff;
            assertThat(Bodies.utf8(body)).as("0xff at " + at).isFalse();
        }
        assertThat(Bodies.utf8(bytes("", 0xF4, 0x90, 0x80, 0x80))).as("past U+10FFFF").isFalse();
        assertThat(Bodies.utf8(bytes("abc", 0xE2, 0x82))).as("cut short").isFalse();
        assertThat(Bodies.shape("application/json, text/plain")).isEqualTo(Bodies.Shape.LIST);
        assertThat(Bodies.shape("application/json; a=\"x,\\\"y\"")).isEqualTo(Bodies.Shape.ONE);
        assertThat(Bodies.shape("application/json; charset=\"utf-8")).isEqualTo(Bodies.Shape.UNCLOSED_QUOTE);
        assertThat(Bodies.shape("application/json; charset=\"utf-8\\\"")).isEqualTo(Bodies.Shape.UNCLOSED_QUOTE);
        assertThat(Bodies.shape("application/json; a=\"x\"; charset=\"utf-8\"")).isEqualTo(Bodies.Shape.ONE);
        assertThat(Bodies.charsetUtf8("application/json;charset=\"utf-8\"")).isTrue();
        assertThat(Bodies.charsetUtf8("application/json; format=x; charset=\"utf\\-8\"")).isTrue();
        assertThat(Bodies.charsetUtf8("application/json; charset")).isTrue();
        assertThat(Bodies.charsetUtf8("application/json; charset=utf-8; charset=latin1")).isFalse();
    }

    private static byte[] bytes(String ascii, int... more) {
        byte[] head = ascii.getBytes(StandardCharsets.US_ASCII);
        byte[] out = java.util.Arrays.copyOf(head, head.length + more.length);
        for (int i = 0; i < more.length; i++) {
            out[head.length + i] = (byte) more[i];
        }
        return out;
    }
}
