package com.dytallix.bootstrap.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.LiveServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.Reader;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * docs/openapi.yaml against the running server (embedded dev chain, real SQLite, real HTTP): every
 * documented operation is routed and answers one of its documented statuses with a body of the
 * documented schema, for every example the document gives; every route the server has is
 * documented; the methods a path accepts (its {@code Allow} answer) are the documented ones.
 */
class OpenApiDocumentTest {
    /**
     * Every route the server answers: ApiRouting's services (the web page's assets aside: their
     * path carries a version), /metrics from Server, and Helidon's
     * health observer. There is no registry to ask, so the list is kept here; a route added to
     * the code without being added here and to the document is the drift this test cannot see.
     */
    private static final Set<String> SERVER_ROUTES = Set.of(
            "GET /api/status", "GET /api/balance", "POST /api/faucet", "GET /api/faucet/grants/{grantId}",
            "GET /api/faucet/info", "GET /api/faucet/challenge",
            "POST /api/rpc", "GET /api/rpc",
            "POST /api/admin/pause", "POST /api/admin/resume", "POST /api/admin/topup", "POST /api/admin/rotate-key",
            "GET /api/admin/state", "GET /api/admin/grants", "GET /api/admin/audit",
            "POST /api/admin/blocks", "GET /api/admin/blocks", "DELETE /api/admin/blocks/{id}", "POST /api/admin/chain/adopt",
            "GET /healthz", "GET /readyz", "GET /metrics", "GET /", "GET /openapi.yaml",
            "GET /observe/health", "GET /observe/health/ready", "GET /observe/health/live", "GET /observe/health/started");
    private static final List<String> HTTP_METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final String ADMIN_TOKEN = "docs-test-admin-token-0123456789abcdef";

    @TempDir
    static Path dir;
    private static LiveServer server;
    private static JsonNode spec;
    private static SchemaCheck schemas;

    @BeforeAll
    static void start() throws Exception {
        spec = load(openApiFile());
        schemas = new SchemaCheck(spec);
        server = LiveServer.start(Map.of("PORT", "0", "HOST", "127.0.0.1", "DEV_BLOCK_TIME_MS", "200",
                "STATUS_REFRESH_MS", "100", "ADMIN_TOKEN", ADMIN_TOKEN), dir);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Maven runs tests in the module directory; the document is in the repository's docs/. */
    private static Path openApiFile() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("docs/openapi.yaml");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("docs/openapi.yaml not found above " + Path.of("").toAbsolutePath());
    }

    private static JsonNode load(Path file) throws Exception {
        try (Reader in = Files.newBufferedReader(file)) {
            Object yaml = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
            return ApiClient.JSON.valueToTree(yaml);
        }
    }

    record Operation(String method, String path, JsonNode node) {
        String key() {
            return method.toUpperCase(Locale.ROOT) + " " + path;
        }
    }

    private static List<Operation> operations() {
        List<Operation> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = spec.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (String method : HTTP_METHODS) {
                if (path.getValue().has(method)) {
                    out.add(new Operation(method, path.getKey(), path.getValue().get(method)));
                }
            }
        }
        return out;
    }

    @Test
    void theDocumentIsWellFormed() {
        assertThat(spec.path("openapi").asText()).startsWith("3.");
        assertThat(spec.path("info").path("title").asText()).isEqualTo("dytallix-api");
        assertThat(spec.at("/components/securitySchemes/bearerAuth/scheme").asText()).isEqualTo("bearer");
        assertThat(spec.at("/components/schemas/Error/required"))
                .extracting(JsonNode::asText).containsExactlyInAnyOrder("code", "message", "requestId");

        List<String> refs = new ArrayList<>();
        collectRefs(spec, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(schemas.resolve(ref)).as(ref).isNotNull();
        }

        List<String> unknown = new ArrayList<>();
        spec.at("/components/schemas").fields().forEachRemaining(e ->
                unknown.addAll(SchemaCheck.unknownKeywords(e.getValue(), "#/components/schemas/" + e.getKey())));
        collectInlineSchemas(spec, "#", unknown);
        assertThat(unknown).as("unknown schema keywords").isEmpty();

        Set<String> operationIds = new LinkedHashSet<>();
        for (Operation op : operations()) {
            assertThat(operationIds.add(op.node().path("operationId").asText())).as("unique operationId of " + op.key()).isTrue();
            assertThat(op.node().path("responses").size()).as(op.key()).isPositive();
            op.node().get("responses").fields().forEachRemaining(r ->
                    assertThat(schemas.deref(r.getValue()).path("description").asText()).as(op.key() + " " + r.getKey()).isNotBlank());
        }
    }

    @Test
    void errorsUseTheSharedEnvelopeAndAdminRoutesTheBearerScheme() {
        for (Operation op : operations()) {
            if (!op.path().startsWith("/api/")) {
                continue;
            }
            JsonNode responses = op.node().get("responses");
            assertThat(responses.has("429")).as(op.key() + " documents the per-minute limit").isTrue();
            responses.fields().forEachRemaining(r -> {
                if (r.getKey().compareTo("400") >= 0) {
                    JsonNode schema = schemas.deref(r.getValue()).at("/content/application~1json/schema");
                    assertThat(refersToError(schema)).as(op.key() + " " + r.getKey() + " uses the Error envelope").isTrue();
                }
            });
            boolean admin = op.path().startsWith("/api/admin/");
            JsonNode security = op.node().path("security");
            if (admin) {
                assertThat(security.path(0).has("bearerAuth")).as(op.key() + " is secured").isTrue();
                assertThat(responses.has("401") && responses.has("403")).as(op.key() + " documents 401 and 403").isTrue();
            } else {
                assertThat(security.isArray() && security.isEmpty()).as(op.key() + " says it needs no authentication").isTrue();
            }
        }
    }

    private boolean refersToError(JsonNode schema) {
        if (schema.path("$ref").asText().equals("#/components/schemas/Error")) {
            return true;
        }
        for (String combination : List.of("oneOf", "anyOf")) {
            for (JsonNode alternative : schema.path(combination)) {
                if (refersToError(alternative)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void everyRouteOfTheServerIsDocumentedAndNothingElse() {
        Set<String> documented = operations().stream().map(Operation::key).collect(Collectors.toCollection(TreeSet::new));
        assertThat(documented).isEqualTo(new TreeSet<>(SERVER_ROUTES));
    }

    @Test
    void thePathsAcceptExactlyTheDocumentedMethods() throws Exception {
        Map<String, Set<String>> methodsByPath = new HashMap<>();
        for (Operation op : operations()) {
            methodsByPath.computeIfAbsent(op.path(), p -> new TreeSet<>()).add(op.method().toUpperCase(Locale.ROOT));
        }
        for (Map.Entry<String, Set<String>> entry : methodsByPath.entrySet()) {
            String path = concrete(entry.getKey(), Map.of());
            if (entry.getKey().startsWith("/observe/")) {
                continue; // Helidon's observer has its own OPTIONS handling
            }
            Response options = server.http.send(HttpRequest.newBuilder(server.http.uri(path))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
            assertThat(options.status()).as("OPTIONS " + entry.getKey()).isEqualTo(204);
            Set<String> allowed = Arrays.stream(options.headers().firstValue("Allow").orElseThrow().split(","))
                    .map(String::strip).collect(Collectors.toCollection(TreeSet::new));
            Set<String> expected = new TreeSet<>(entry.getValue());
            expected.add("OPTIONS");
            boolean get = expected.contains("GET");
            if (get) {
                expected.add("HEAD"); // RFC 9110: a GET's path answers HEAD, which OpenAPI leaves implied
            }
            assertThat(allowed).as("Allow of " + entry.getKey()).isEqualTo(expected);
            Response head = server.http.send(HttpRequest.newBuilder(server.http.uri(path))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()));
            if (get) {
                Response answer = server.http.send(HttpRequest.newBuilder(server.http.uri(path)).GET());
                assertThat(head.status()).as("HEAD " + entry.getKey()).isEqualTo(answer.status());
            } else {
                assertThat(head.status()).as("HEAD " + entry.getKey()).isEqualTo(405);
            }
        }
        Response undocumented = server.http.send(HttpRequest.newBuilder(server.http.uri("/api/undocumented")).GET());
        assertThat(undocumented.status()).isEqualTo(404);
        assertThat(undocumented.json().get("message").asText()).startsWith("no route for");
    }

    @Test
    void adminOperationsRefuseACallerWithoutTheTokenAsDocumented() throws Exception {
        for (Operation op : operations()) {
            if (op.node().path("security").isEmpty()) {
                continue;
            }
            Response reply = server.http.send(HttpRequest.newBuilder(server.http.uri(concrete(op.path(), Map.of())))
                    .method(op.method().toUpperCase(Locale.ROOT), HttpRequest.BodyPublishers.noBody()));
            assertThat(reply.status()).as(op.key()).isEqualTo(401);
            assertThat(reply.headers().firstValue("WWW-Authenticate")).contains("Bearer");
            assertDocumented(op, reply);
        }
    }

    /**
     * Runs every operation with the document's own examples (parameters and each request body
     * example) and the admin token where the operation is secured. Values the server hands out
     * (a grantId) are used for later path parameters of the same name, so a grant is looked up
     * for real. The operations run in document order: the key rotation comes after the faucet.
     */
    @Test
    void everyOperationAnswersAsDocumentedForEveryExample() throws Exception {
        Map<String, String> learned = new HashMap<>();
        for (Operation op : operations()) {
            if (op.node().path("x-websocket").asBoolean()) {
                assertTheWebSocketAnswers(op);
                continue;
            }
            for (JsonNode body : requestExamples(op)) {
                HttpRequest.Builder request = HttpRequest.newBuilder(server.http.uri(concrete(op.path(), learned) + query(op)))
                        .timeout(Duration.ofSeconds(90));
                for (JsonNode p : parameters(op, "header")) {
                    request.header(p.get("name").asText(), p.get("example").asText());
                }
                if (!op.node().path("security").isEmpty()) {
                    request.header("Authorization", "Bearer " + ADMIN_TOKEN);
                }
                if (body != null && body.has("genesis")) {
                    // a chain adoption names the node's genesis, which no document can know (the dev chain's is new each start)
                    body = ((com.fasterxml.jackson.databind.node.ObjectNode) body.deepCopy()).put("genesis", server.http.post("/api/rpc",
                            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBlockByNumber\",\"params\":[\"0x0\",false]}")
                            .json().get("result").get("hash").asText());
                }
                if (body == null) {
                    request.method(op.method().toUpperCase(Locale.ROOT), HttpRequest.BodyPublishers.noBody());
                } else {
                    request.header("Content-Type", "application/json")
                            .method(op.method().toUpperCase(Locale.ROOT), HttpRequest.BodyPublishers.ofString(ApiClient.JSON.writeValueAsString(body)));
                }
                Response reply = server.http.send(request);
                String what = op.key() + (body == null ? "" : " with " + body);
                assertThat(reply.status()).as(what + " is routed: " + reply.body()).isNotIn(404, 405);
                assertThat(reply.status()).as(what + " succeeds with the document's examples: " + reply.body()).isBetween(200, 299);
                JsonNode json = assertDocumented(op, reply);
                if (json != null && json.isObject()) {
                    json.fields().forEachRemaining(f -> {
                        if (f.getValue().isTextual()) {
                            learned.putIfAbsent(f.getKey(), f.getValue().asText());
                        }
                    });
                }
            }
        }
        assertThat(learned).containsKey("grantId");
    }

    /**
     * An upgrade operation: the handshake is answered (101, as documented) and a JSON-RPC request
     * over the socket is answered; a GET without the upgrade gets its documented refusal.
     */
    private void assertTheWebSocketAnswers(Operation op) throws Exception {
        assertThat(op.node().path("responses").has("101")).as(op.key() + " documents 101").isTrue();
        java.util.concurrent.CompletableFuture<String> answer = new java.util.concurrent.CompletableFuture<>();
        java.net.http.WebSocket ws = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(java.net.URI.create("ws://127.0.0.1:" + server.port() + op.path()), new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket socket, CharSequence data, boolean last) {
                        answer.complete(data.toString());
                        return null;
                    }
                }).get(10, java.util.concurrent.TimeUnit.SECONDS);
        try {
            ws.sendText("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}", true);
            JsonNode reply = ApiClient.JSON.readTree(answer.get(10, java.util.concurrent.TimeUnit.SECONDS));
            assertThat(reply.path("result").asText()).as(op.key() + " answers over the socket").isEqualTo("0x539");
        } finally {
            ws.abort();
        }
        Response plain = server.http.send(HttpRequest.newBuilder(server.http.uri(op.path())).GET());
        assertThat(plain.status()).as(op.key() + " without the upgrade").isEqualTo(426);
        assertDocumented(op, plain);
    }

    /** The status is one the operation documents, and the body fits that response's schema. */
    private JsonNode assertDocumented(Operation op, Response reply) throws Exception {
        String status = Integer.toString(reply.status());
        assertThat(reply.headers().firstValue("X-Request-Id")).as(op.key() + " X-Request-Id").isPresent();
        JsonNode responses = op.node().get("responses");
        assertThat(responses.has(status)).as(op.key() + " documents status " + status + ": " + reply.body()).isTrue();
        JsonNode response = schemas.deref(responses.get(status));
        JsonNode content = response.path("content");
        if (content.isMissingNode()) {
            assertThat(reply.body()).as(op.key() + " " + status + " has no body").isEmpty();
            return null;
        }
        String mediaType = content.fieldNames().next();
        assertThat(reply.headers().firstValue("Content-Type").orElse("")).as(op.key() + " " + status).startsWith(mediaType);
        if (!mediaType.equals("application/json")) {
            assertThat(reply.body()).isNotEmpty();
            return null;
        }
        JsonNode json = reply.json();
        assertThat(schemas.problems(content.get(mediaType).get("schema"), json))
                .as(op.key() + " " + status + " body " + reply.body()).isEmpty();
        return json;
    }

    private static List<JsonNode> requestExamples(Operation op) {
        JsonNode media = op.node().path("requestBody").path("content").path("application/json");
        List<JsonNode> out = new ArrayList<>();
        if (media.has("example")) {
            out.add(media.get("example"));
        }
        media.path("examples").forEach(e -> out.add(e.get("value")));
        if (out.isEmpty()) {
            out.add(null);
        }
        return out;
    }

    private List<JsonNode> parameters(Operation op, String in) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : op.node().path("parameters")) {
            JsonNode parameter = schemas.deref(p);
            if (parameter.path("in").asText().equals(in)) {
                assertThat(parameter.has("example")).as(op.key() + " parameter " + parameter.get("name") + " has an example").isTrue();
                out.add(parameter);
            }
        }
        return out;
    }

    private String query(Operation op) {
        String query = parameters(op, "query").stream()
                .map(p -> encode(p.get("name").asText()) + "=" + encode(p.get("example").asText()))
                .collect(Collectors.joining("&"));
        return query.isEmpty() ? "" : "?" + query;
    }

    /** The path with its parameters filled in: a value the server handed out earlier, else the example. */
    private String concrete(String template, Map<String, String> learned) {
        String path = template;
        for (Operation op : operations()) {
            if (!op.path().equals(template)) {
                continue;
            }
            for (JsonNode p : parameters(op, "path")) {
                String name = p.get("name").asText();
                path = path.replace("{" + name + "}", encode(learned.getOrDefault(name, p.get("example").asText())));
            }
        }
        assertThat(path).as("every path parameter of " + template + " is documented").doesNotContain("{");
        return path;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static void collectInlineSchemas(JsonNode node, String at, List<String> unknown) {
        node.fields().forEachRemaining(f -> {
            if (f.getKey().equals("schema") && f.getValue().isObject()) {
                unknown.addAll(SchemaCheck.unknownKeywords(f.getValue(), at + "/schema"));
            } else if (f.getValue().isContainerNode() && !f.getKey().equals("schemas")) {
                collectInlineSchemas(f.getValue(), at + "/" + f.getKey(), unknown);
            }
        });
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectInlineSchemas(node.get(i), at + "/" + i, unknown);
            }
        }
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.has("$ref")) {
            refs.add(node.get("$ref").asText());
        }
        node.forEach(child -> collectRefs(child, refs));
    }
}
