package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.common.Weighted;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** What bootstrap adds around {@link ApiRouting#configure} stays reachable; everything else is the JSON 404. */
class ApiRoutingTest {

    /** Like Helidon's observe feature: a feature with a weight below the main routing's. */
    private static final class ObserveLike implements HttpFeature, Weighted {
        @Override
        public void setup(HttpRouting.Builder routing) {
            routing.get("/observe/health", (req, res) -> res.send("observed"));
        }

        @Override
        public double weight() {
            return 80;
        }
    }

    @Test
    void metricsAndFeatureRoutesAreNotShadowedByTheCatchAll() throws Exception {
        try (TestApi api = TestApi.start()) {
            ApiDependencies deps = api.dependencies();
            WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                    .directHandlers(HttpEdge.directHandlers(RequestObserver.NONE))
                    .routing(r -> {
                        r.get("/metrics-before", (req, res) -> res.send("before"));
                        ApiRouting.configure(r, deps);
                        r.get("/metrics", (req, res) -> res.send("after"));
                        r.addFeature(new ObserveLike());
                    })
                    .build().start();
            try {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                String base = "http://127.0.0.1:" + server.port();
                for (String[] c : new String[][] {{"/metrics-before", "before"}, {"/metrics", "after"},
                        {"/observe/health", "observed"}, {"/healthz", "{\"status\":\"ok\"}"}}) {
                    var reply = http.send(HttpRequest.newBuilder(URI.create(base + c[0])).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(reply.statusCode()).as(c[0]).isEqualTo(200);
                    assertThat(reply.body()).isEqualTo(c[1]);
                    assertThat(reply.headers().firstValue("X-Request-Id")).isPresent();
                }
                var missing = http.send(HttpRequest.newBuilder(URI.create(base + "/nowhere")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(missing.statusCode()).isEqualTo(404);
                assertThat(missing.body()).contains("\"code\":\"NOT_FOUND\"");
            } finally {
                server.stop();
            }
        }
    }
}
