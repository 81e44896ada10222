package com.dytallix.bootstrap.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the operator's documents name exists on a real server's {@code GET /metrics}, with the labels they
 * select it by: the alert rules (whose promtool unit tests feed the series they expect, so a rule on a misspelt or
 * renamed metric passes them and never fires), the README, {@code docs/*.md} and the deployment examples.
 * {@code docs/performance.md} is left out: it is a history of measurements, some of builds never shipped.
 */
class DocumentedMetricsTest {
    private static final Path ROOT = Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    private static final Pattern METRIC = Pattern.compile("\\b((?:dytallix|http|jvm|process)_[a-z0-9_]*[a-z0-9])\\b(\\{[^}]*})?");
    private static final Pattern LABEL = Pattern.compile("([a-z_]+)\\s*(?:=~|!=|!~|=)");
    /**
     * Lines of Helidon's own metrics route, which architecture.md quotes to say why the server does not use it: their
     * {@code scope} label is Helidon's, on no series of ours.
     */
    private static final Pattern HELIDON_PROBE = Pattern.compile("(?m)^.*\\bscope=\"(?:application|vendor|base)\".*$");
    /** The labels Prometheus adds to every series it scrapes. */
    private static final Set<String> SCRAPE_LABELS = Set.of("instance", "job");
    /** Names in the documents that are no metric, each with where it comes from. */
    private static final Map<String, String> NOT_METRICS = Map.of(
            "dytallix_api", "the alert rules' group and nginx's upstream block",
            "dytallix_grants", "the PostgreSQL LISTEN/NOTIFY channel",
            "http_connection", "nginx's $http_connection",
            "http_upgrade", "nginx's $http_upgrade");

    @TempDir
    Path dir;

    @Test
    void everyMetricTheDocumentsNameIsServedWithTheLabelsTheySelect() throws Exception {
        Exposition served;
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1); LiveServer server = LiveServer.start(LiveServer.settingsFor(anvil), dir)) {
            // the relay's per-method series appear with the first relayed call
            assertThat(server.http.post("/api/rpc", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":[]}").status())
                    .isEqualTo(200);
            served = Exposition.parse(server.http.get("/metrics").body());
        }
        Set<String> names = served.samples().stream().map(Exposition.Sample::name).collect(Collectors.toCollection(TreeSet::new));
        names.addAll(served.types().keySet());

        List<String> problems = new ArrayList<>();
        int seen = 0;
        for (Path doc : documents()) {
            String text = HELIDON_PROBE.matcher(Files.readString(doc)).replaceAll("");
            Matcher m = METRIC.matcher(text);
            while (m.find()) {
                String name = m.group(1);
                if (NOT_METRICS.containsKey(name)) {
                    continue;
                }
                seen++;
                String where = ROOT.relativize(doc) + ": " + m.group();
                // a prefix is what `grep http_request_duration` looks for
                if (names.stream().noneMatch(n -> n.equals(name) || n.startsWith(name + "_"))) {
                    problems.add(where + " — no such metric on /metrics");
                    continue;
                }
                if (m.group(2) != null) {
                    Set<String> labels = served.samples().stream().filter(s -> s.name().equals(name) || s.name().startsWith(name + "_"))
                            .flatMap(s -> s.labels().keySet().stream()).collect(Collectors.toSet());
                    Matcher label = LABEL.matcher(m.group(2));
                    while (label.find()) {
                        if (!labels.contains(label.group(1)) && !SCRAPE_LABELS.contains(label.group(1))) {
                            problems.add(where + " — " + name + " has no label " + label.group(1) + " (it has " + labels + ")");
                        }
                    }
                }
            }
        }
        assertThat(seen).as("metric names found in the documents").isGreaterThan(50);
        assertThat(problems).as("metrics the documents name that the server does not serve").isEmpty();
    }

    private static List<Path> documents() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> files = Stream.concat(Stream.concat(Files.list(ROOT.resolve("docs")), Files.list(ROOT.resolve("docs/alerts"))),
                Files.list(ROOT.resolve("docs/deploy")))) {
            files.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().matches(".*\\.(md|ya?ml|conf|service|example)"))
                    .filter(p -> !p.getFileName().toString().equals("performance.md"))
                    .sorted().forEach(docs::add);
        }
        assertThat(docs).contains(ROOT.resolve("docs/alerts/dytallix-alerts.yml"), ROOT.resolve("docs/operations.md"));
        return docs;
    }
}
