package com.dytallix.bootstrap.observability;

import com.dytallix.adapters.http.Routes;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** GET /metrics: every meter in Prometheus text format 0.0.4. Register it on the routing's root. */
public final class MetricsHttpService implements HttpService {
    /** The Prometheus text format; the registry picks its writer by this value too. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;

    public MetricsHttpService(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void routing(HttpRules rules) {
        Routes.on(rules, "").path("/metrics").get(this::scrape).register();
    }

    private void scrape(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE);
        res.send(registry.scrape(CONTENT_TYPE));
    }
}
