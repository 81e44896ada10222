package com.dytallix.bootstrap.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every path the operator's documents send a request to ({@code curl localhost:8787/api/…}, {@code $B/api/…},
 * {@code GET /api/…}) is one the server routes: a path of docs/openapi.yaml, which {@link OpenApiDocumentTest} keeps
 * equal to the server's routes. A route renamed in the code and the OpenAPI document but not in the runbook's curl
 * lines is the drift this catches.
 */
class DocumentedPathsTest {
    private static final Pattern REQUEST = Pattern.compile(
            "(?:(?:localhost|127\\.0\\.0\\.1|<host>|\\$B)(?::([0-9A-Za-z$<>{}_]+))?|\\b(?:GET|POST|DELETE|HEAD|PUT|OPTIONS|PATCH) )"
                    + "(/[A-Za-z0-9_.{}<>/-]*)");
    /** Paths the documents name that are not ours, each with why. */
    private static final Map<String, String> NOT_OURS = Map.of(
            "/x", "api.md's example of the 404 for a path with no route",
            "/health", "the shared runbook's Tendermint node check on port 26657, which operations.md says does not apply");
    private static final List<String> DOCUMENTS = List.of("README.md", "docs/api.md", "docs/operations.md",
            "docs/configuration.md", "docs/architecture.md", "docs/deploy/nginx.conf", "bench/README.md");

    @Test
    void everyPathTheDocumentsRequestIsARouteOfTheServer() throws Exception {
        Path root = ServerProcess.repoRoot();
        Map<String, Object> openapi = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(root.resolve("docs/openapi.yaml")));
        @SuppressWarnings("unchecked")
        List<Pattern> routes = ((Map<String, Object>) openapi.get("paths")).keySet().stream()
                .map(p -> Pattern.compile(Pattern.quote(p).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q"))).toList();

        List<String> problems = new ArrayList<>();
        int seen = 0;
        for (String document : DOCUMENTS) {
            Matcher m = REQUEST.matcher(Files.readString(root.resolve(document)));
            while (m.find()) {
                // a placeholder ({grantId}, <grantId>) stands for one segment; a sentence's full stop is not the path's
                String path = m.group(2).replaceAll("<[^>]+>", "x").replaceAll("\\{[^}]+}", "x").replaceAll("\\.$", "");
                if (NOT_OURS.containsKey(path)) {
                    continue;
                }
                seen++;
                String p = path;
                if (routes.stream().noneMatch(r -> r.matcher(p).matches())) {
                    problems.add(document + ": " + m.group() + " — no such route in docs/openapi.yaml");
                }
            }
        }
        assertThat(seen).as("requests found in the documents").isGreaterThan(100);
        assertThat(problems).isEmpty();
    }
}
