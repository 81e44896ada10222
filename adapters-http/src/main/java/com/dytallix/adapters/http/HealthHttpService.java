package com.dytallix.adapters.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** GET /healthz (the process serves) and GET /readyz (every readiness check passes, failing ones named). */
public final class HealthHttpService implements HttpService {
    /**
     * A named readiness check: empty when fine, else what is wrong; {@code note} is shown beside a
     * passing check (e.g. the nodes that are down while another serves).
     */
    public record Check(String name, Supplier<java.util.Optional<String>> problem, Supplier<java.util.Optional<String>> note) {
        public Check(String name, Supplier<java.util.Optional<String>> problem) {
            this(name, problem, java.util.Optional::empty);
        }
    }

    private final List<Check> checks;

    public HealthHttpService(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    @Override
    public void routing(HttpRules rules) {
        Routes routes = Routes.on(rules, "");
        routes.path("/healthz").get((req, res) -> Responses.ok(res, new Liveness("ok"))).register();
        routes.path("/readyz").get(this::ready).register();
    }

    private void ready(ServerRequest req, ServerResponse res) {
        Map<String, String> results = new LinkedHashMap<>();
        List<String> failing = new ArrayList<>();
        for (Check c : checks) {
            java.util.Optional<String> problem;
            try {
                problem = c.problem().get();
            } catch (RuntimeException e) {
                problem = java.util.Optional.of(e.getClass().getSimpleName());
            }
            results.put(c.name(), problem.isEmpty() ? c.note().get().map(n -> "ok; " + n).orElse("ok") : problem.get());
            if (problem.isPresent()) {
                failing.add(c.name());
            }
        }
        Readiness body = failing.isEmpty() ? new Readiness("ready", results, null) : new Readiness("not ready", results, failing);
        Responses.json(res, failing.isEmpty() ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, body);
    }

    /** GET /healthz. */
    record Liveness(String status) {
    }

    /** GET /readyz: every check by name ("ok" or what is wrong); {@code failing} only when some check fails. */
    record Readiness(String status, Map<String, String> checks, @JsonInclude(JsonInclude.Include.NON_NULL) List<String> failing) {
    }
}
