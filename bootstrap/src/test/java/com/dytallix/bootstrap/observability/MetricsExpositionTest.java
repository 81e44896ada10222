package com.dytallix.bootstrap.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.http.ApiException;
import com.dytallix.adapters.http.ClientIpResolver;
import com.dytallix.adapters.http.HealthHttpService;
import com.dytallix.adapters.http.HttpEdge;
import com.dytallix.adapters.http.Routes;
import com.dytallix.adapters.http.metrics.HttpMetrics;
import com.dytallix.application.status.NodeHealth;
import com.dytallix.application.status.StatusSnapshot;
import com.dytallix.domain.Address;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.PauseState;
import com.dytallix.domain.grant.LimitScope;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Real traffic through the edge filter, the use-case telemetry and the status gauges, then GET
 * /metrics: every metric name, type and label set the server promises, and promtool's verdict on the text.
 */
@RoutingTest
class MetricsExpositionTest {
    private static final PrometheusMeterRegistry REGISTRY = Observability.createRegistry();
    private static final Set<String> HTTP_LABELS = Set.of("method", "path", "status");

    private final DirectClient client;

    MetricsExpositionTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        routing.register("/api", rules -> {
            Routes routes = Routes.on(rules, "/api");
            routes.path("/faucet/grants/{grantId}").get((req, res) -> {
                if (req.path().pathParameters().get("grantId").equals("g-missing")) {
                    throw ApiException.notFound("grant g-missing");
                }
                res.send("{}");
            }).register();
            routes.path("/rpc").post((req, res) -> res.send("{}")).register();
        });
        routing.register(new HealthHttpService(List.of()));
        routing.register(new MetricsHttpService(REGISTRY));
        HttpEdge.notFound(routing);
        new HttpEdge(new ClientIpResolver(List.of()), new HttpMetrics(REGISTRY)).install(routing);
    }

    /** The scrape after the traffic, taken once so that both checks see the same counts. */
    private static String scraped;

    @Test
    void servesEveryContractMetricWithExactNamesTypesAndLabels() {
        String text = scrapeAfterTraffic();
        Exposition metrics = Exposition.parse(text);

        assertThat(metrics.types()).containsEntry("http_requests_total", "counter")
                .containsEntry("http_request_duration_seconds", "histogram")
                .containsEntry("dytallix_faucet_balance", "gauge")
                .containsEntry("dytallix_block_lag", "gauge")
                .containsEntry("dytallix_block_height", "gauge")
                .containsEntry("dytallix_node_head_age_seconds", "gauge")
                .containsEntry("dytallix_faucet_paused", "gauge")
                .containsEntry("dytallix_faucet_pending_transactions", "gauge")
                .containsEntry("dytallix_payer_leader", "gauge")
                .containsEntry("dytallix_faucet_budget", "gauge")
                .containsEntry("dytallix_faucet_grants_total", "counter")
                .containsEntry("dytallix_rate_limit_hits_total", "counter")
                .containsEntry("dytallix_tx_replacements_total", "counter")
                .containsEntry("dytallix_tx_resent_total", "counter")
                .containsEntry("dytallix_reorgs_total", "counter")
                .containsEntry("dytallix_rpc_requests_total", "counter")
                .containsEntry("dytallix_rpc_cache_requests_total", "counter")
                .containsEntry("dytallix_rpc_filters", "gauge")
                .containsEntry("dytallix_rpc_filters_evicted_total", "counter")
                .containsEntry("dytallix_rpc_request_duration_seconds", "histogram");

        assertLabelNames(metrics, "http_requests_total", HTTP_LABELS);
        assertLabelNames(metrics, "http_request_duration_seconds_count", HTTP_LABELS);
        assertLabelNames(metrics, "http_request_duration_seconds_sum", HTTP_LABELS);
        assertLabelNames(metrics, "http_request_duration_seconds_bucket", Set.of("method", "path", "status", "le"));
        for (String gauge : List.of("dytallix_faucet_balance", "dytallix_block_lag", "dytallix_block_height",
                "dytallix_node_head_age_seconds", "dytallix_faucet_paused", "dytallix_faucet_pending_transactions",
                "dytallix_tx_replacements_total", "dytallix_tx_resent_total", "dytallix_reorgs_total", "dytallix_faucet_budget",
                "dytallix_payer_leader", "dytallix_rpc_filters", "dytallix_rpc_filters_evicted_total")) {
            assertLabelNames(metrics, gauge, Set.of());
        }
        assertLabelNames(metrics, "dytallix_faucet_grants_total", Set.of("outcome"));
        assertLabelNames(metrics, "dytallix_rate_limit_hits_total", Set.of("scope"));
        assertLabelNames(metrics, "dytallix_rpc_requests_total", Set.of("method", "outcome"));
        assertLabelNames(metrics, "dytallix_rpc_request_duration_seconds_bucket", Set.of("method", "le"));
        assertLabelNames(metrics, "dytallix_rpc_cache_requests_total", Set.of("result"));

        // path is the route template: the grant ids and the unknown URL never become label values.
        assertThat(count(metrics, "http_requests_total", "GET", "/api/faucet/grants/{grantId}", "200")).isEqualTo(2);
        assertThat(count(metrics, "http_requests_total", "GET", "/api/faucet/grants/{grantId}", "404")).isEqualTo(1);
        assertThat(count(metrics, "http_requests_total", "POST", "/api/rpc", "200")).isEqualTo(1);
        assertThat(count(metrics, "http_requests_total", "GET", "/healthz", "200")).isEqualTo(1);
        assertThat(count(metrics, "http_requests_total", "GET", "unmatched", "404")).isEqualTo(1);
        assertThat(text).doesNotContain("g-123abc").doesNotContain("g-missing").doesNotContain("raw-url-xyz");
        assertThat(metrics.samples("http_requests_total").stream().map(s -> s.labels().get("path")))
                .allMatch(p -> p.equals("unmatched") || p.startsWith("/"));

        List<String> buckets = metrics.samples("http_request_duration_seconds_bucket").stream()
                .filter(s -> s.labels().get("path").equals("/api/rpc"))
                .map(s -> s.labels().get("le")).toList();
        assertThat(buckets).containsExactly("0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf");
        assertThat(metrics.sample("http_request_duration_seconds_count",
                Map.of("method", "GET", "path", "/api/faucet/grants/{grantId}", "status", "200")).value()).isEqualTo(2);

        assertThat(metrics.sample("dytallix_faucet_balance", Map.of()).value()).isEqualTo(12345.5);
        assertThat(metrics.sample("dytallix_block_lag", Map.of()).value()).isEqualTo(3);
        assertThat(metrics.sample("dytallix_block_height", Map.of()).value()).isEqualTo(4242);
        assertThat(metrics.sample("dytallix_node_head_age_seconds", Map.of()).value()).isEqualTo(7.5);
        assertThat(metrics.sample("dytallix_faucet_paused", Map.of()).value()).isEqualTo(1);
        assertThat(metrics.sample("dytallix_faucet_pending_transactions", Map.of()).value()).isEqualTo(2);
        assertThat(metrics.sample("dytallix_payer_leader", Map.of()).value()).isEqualTo(1);
        assertThat(metrics.sample("dytallix_rpc_filters", Map.of()).value()).isEqualTo(17);
        assertThat(metrics.sample("dytallix_rpc_filters_evicted_total", Map.of()).value()).isEqualTo(1);
        // in debt: 12.5 DYT below zero
        assertThat(metrics.sample("dytallix_faucet_budget", Map.of()).value()).isEqualTo(-12.5);

        assertThat(metrics.samples("dytallix_faucet_grants_total").stream().map(s -> s.labels().get("outcome")))
                .containsExactlyInAnyOrder("granted", "replayed", "rate_limited", "paused", "insufficient_balance",
                        "confirmed", "failed", "blocked", "pow_required", "pow_invalid");
        assertThat(metrics.sample("dytallix_faucet_grants_total", Map.of("outcome", "granted")).value()).isEqualTo(2);
        assertThat(metrics.sample("dytallix_faucet_grants_total", Map.of("outcome", "confirmed")).value()).isZero();
        assertThat(metrics.samples("dytallix_rate_limit_hits_total").stream().map(s -> s.labels().get("scope")))
                .containsExactlyInAnyOrder("ip", "address", "subnet", "suspicious", "requests", "daily_cap", "filters");
        assertThat(metrics.sample("dytallix_rate_limit_hits_total", Map.of("scope", "ip")).value()).isEqualTo(1);
        assertThat(metrics.sample("dytallix_tx_replacements_total", Map.of()).value()).isEqualTo(1);
        assertThat(metrics.sample("dytallix_reorgs_total", Map.of()).value()).isZero();
        assertThat(metrics.sample("dytallix_rpc_requests_total",
                Map.of("method", "eth_blockNumber", "outcome", "ok")).value()).isEqualTo(1);
        assertThat(metrics.sample("dytallix_rpc_requests_total",
                Map.of("method", "other", "outcome", "timeout")).value()).isEqualTo(1);
        assertThat(metrics.sample("dytallix_rpc_requests_total",
                Map.of("method", "other", "outcome", "denied")).value()).isEqualTo(1);
        assertThat(text).doesNotContain("eth_madeUpMethod");
        assertThat(metrics.sample("dytallix_rpc_cache_requests_total", Map.of("result", "hit")).value()).isEqualTo(2);
        assertThat(metrics.sample("dytallix_rpc_cache_requests_total", Map.of("result", "miss")).value()).isEqualTo(1);
        assertThat(metrics.sample("dytallix_rpc_request_duration_seconds_count",
                Map.of("method", "eth_blockNumber")).value()).isEqualTo(1);

        assertThat(metrics.types()).containsEntry("jvm_memory_used_bytes", "gauge")
                .containsEntry("jvm_threads_live_threads", "gauge")
                .containsEntry("jvm_classes_loaded_classes", "gauge")
                .containsEntry("process_cpu_seconds_total", "counter")
                .containsEntry("process_uptime_seconds", "gauge")
                .containsEntry("process_start_time_seconds", "gauge")
                .containsEntry("process_files_open_files", "gauge");
        assertThat(metrics.sample("process_cpu_seconds_total", Map.of()).value()).isPositive();
    }

    @Test
    void promtoolAcceptsTheExposition() throws Exception {
        Promtool.Result lint = Promtool.run(Path.of("."), scrapeAfterTraffic(), "check", "metrics");
        assertThat(lint.exitCode()).as("promtool check metrics said:%n%s", lint.output()).isZero();
    }

    @Test
    void theScrapeItselfIsCountedUnderItsOwnRoute() {
        try (HttpClientResponse first = client.get("/metrics").request()) {
            assertThat(first.status().code()).isEqualTo(200);
        }
        String text;
        try (HttpClientResponse second = client.get("/metrics").request()) {
            text = second.as(String.class);
        }
        assertThat(count(Exposition.parse(text), "http_requests_total", "GET", "/metrics", "200")).isPositive();
    }

    private String scrapeAfterTraffic() {
        if (scraped == null) {
            recordTraffic();
            try (HttpClientResponse res = client.get("/metrics").request()) {
                assertThat(res.status().code()).isEqualTo(200);
                assertThat(res.headers().get(HeaderNames.CONTENT_TYPE).get())
                        .isEqualTo("text/plain; version=0.0.4; charset=utf-8");
                scraped = res.as(String.class);
            }
        }
        return scraped;
    }

    private void recordTraffic() {
        get("/api/faucet/grants/g-123abc");
        get("/api/faucet/grants/g-123abc");
        get("/api/faucet/grants/g-missing");
        get("/healthz");
        get("/nope/raw-url-xyz");
        try (HttpClientResponse res = client.post("/api/rpc").submit("{\"method\":\"eth_blockNumber\"}")) {
            assertThat(res.status().code()).isEqualTo(200);
        }

        MetricsTelemetry telemetry = new MetricsTelemetry(REGISTRY, List.of("eth_blockNumber", "eth_getBalance"));
        telemetry.grantOutcome("granted");
        telemetry.grantOutcome("granted");
        telemetry.rateLimitHit(LimitScope.IP);
        telemetry.transactionReplaced();
        telemetry.rpcRequest("eth_blockNumber", "ok", Duration.ofMillis(40));
        telemetry.rpcRequest("eth_madeUpMethod", "timeout", Duration.ofSeconds(3));
        telemetry.rpcRequest("other", "denied", Duration.ZERO);
        telemetry.rpcCacheLookup(true);
        telemetry.rpcCacheLookup(true);
        telemetry.rpcCacheLookup(false);
        telemetry.rpcFilterEvicted();

        StatusSnapshot snapshot = new StatusSnapshot(NodeHealth.OK, Optional.of(31337L), true, Optional.of(4242L), 3,
                Optional.of(Duration.ofMillis(7500)), false, Optional.of(Duration.ofSeconds(2)),
                new Address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"), Optional.of(Wei.ofDyt("12345.5")),
                new PauseState(true, Optional.of("maintenance"), Optional.of(Instant.EPOCH)), 2,
                Optional.of(Instant.EPOCH), Optional.empty(), Instant.EPOCH);
        Observability.registerGauges(REGISTRY, () -> snapshot);
        Observability.registerPayerGauge(REGISTRY, () -> true);
        Observability.registerRelayFilters(REGISTRY, () -> 17);
        Observability.registerBudget(REGISTRY, () -> Wei.ofDyt("12.5").value().negate());
    }

    private void get(String path) {
        try (HttpClientResponse res = client.get(path).request()) {
            assertThat(res.status().code()).isBetween(200, 404);
        }
    }

    private static double count(Exposition metrics, String name, String method, String path, String status) {
        return metrics.samples(name).stream()
                .filter(s -> s.labels().equals(Map.of("method", method, "path", path, "status", status)))
                .mapToDouble(Exposition.Sample::value).sum();
    }

    private static void assertLabelNames(Exposition metrics, String name, Set<String> labels) {
        assertThat(metrics.samples(name)).as(name).isNotEmpty();
        assertThat(metrics.samples(name).stream().map(s -> s.labels().keySet()).collect(Collectors.toSet()))
                .as("label names of %s", name).containsOnly(labels);
    }
}
