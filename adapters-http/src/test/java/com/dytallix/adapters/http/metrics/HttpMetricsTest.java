package com.dytallix.adapters.http.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HttpMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final HttpMetrics metrics = new HttpMetrics(registry);

    @Test
    void countsRequestsPerMethodRouteTemplateAndStatus() {
        metrics.completed("GET", "/api/faucet/grants/{grantId}", 200, TimeUnit.MILLISECONDS.toNanos(3), "req-1", "203.0.113.1");
        metrics.completed("GET", "/api/faucet/grants/{grantId}", 200, TimeUnit.MILLISECONDS.toNanos(4), "req-1", "203.0.113.1");
        metrics.completed("GET", "/api/faucet/grants/{grantId}", 404, TimeUnit.MILLISECONDS.toNanos(1), "req-1", "203.0.113.1");
        metrics.completed("POST", "/api/faucet", 429, TimeUnit.MILLISECONDS.toNanos(2), "req-1", "203.0.113.1");

        assertThat(registry.get("http.requests").tags("method", "GET", "path", "/api/faucet/grants/{grantId}", "status", "200")
                .counter().count()).isEqualTo(2.0);
        assertThat(registry.get("http.requests").tags("method", "GET", "path", "/api/faucet/grants/{grantId}", "status", "404")
                .counter().count()).isEqualTo(1.0);
        assertThat(registry.get("http.requests").tags("method", "POST", "path", "/api/faucet", "status", "429")
                .counter().count()).isEqualTo(1.0);
        Timer timer = registry.get("http.request.duration")
                .tags("method", "GET", "path", "/api/faucet/grants/{grantId}", "status", "200").timer();
        assertThat(timer.count()).isEqualTo(2);
        assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(7.0);
    }

    @Test
    void latencyHistogramHasBucketsFromOneMillisecondToTenSeconds() {
        metrics.completed("POST", "/api/rpc", 200, TimeUnit.MILLISECONDS.toNanos(30), "req-1", "203.0.113.1");
        metrics.completed("POST", "/api/rpc", 504, TimeUnit.SECONDS.toNanos(3), "req-1", "203.0.113.1");

        CountAtBucket[] ok = registry.get("http.request.duration").tags("status", "200").timer()
                .takeSnapshot().histogramCounts();
        double[] bounds = Arrays.stream(ok).mapToDouble(b -> b.bucket(TimeUnit.SECONDS)).toArray();
        assertThat(bounds).containsExactly(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);
        // 30 ms lands in the 50 ms bucket and every one above it (cumulative counts).
        assertThat(Arrays.stream(ok).filter(b -> b.bucket(TimeUnit.SECONDS) < 0.05).mapToDouble(CountAtBucket::count))
                .containsOnly(0.0);
        assertThat(Arrays.stream(ok).filter(b -> b.bucket(TimeUnit.SECONDS) >= 0.05).mapToDouble(CountAtBucket::count))
                .containsOnly(1.0);
        CountAtBucket[] slow = registry.get("http.request.duration").tags("status", "504").timer()
                .takeSnapshot().histogramCounts();
        assertThat(Arrays.stream(slow).filter(b -> b.bucket(TimeUnit.SECONDS) == 2.5).findFirst().orElseThrow().count())
                .isZero();
        assertThat(Arrays.stream(slow).filter(b -> b.bucket(TimeUnit.SECONDS) == 5).findFirst().orElseThrow().count())
                .isEqualTo(1.0);
    }

    @Test
    void nonStandardMethodsShareOneLabelSoClientsCannotInflateTheSeries() {
        metrics.completed("FOO", "unmatched", 404, 1_000, "req-1", "203.0.113.1");
        metrics.completed("get", "unmatched", 404, 1_000, "req-1", "203.0.113.1");
        metrics.completed("BAR", "unmatched", 404, 1_000, "req-1", "203.0.113.1");

        assertThat(registry.get("http.requests").tags("method", "other", "path", "unmatched", "status", "404")
                .counter().count()).isEqualTo(3.0);
        assertThat(registry.find("http.requests").counters()).hasSize(1);
    }
}
