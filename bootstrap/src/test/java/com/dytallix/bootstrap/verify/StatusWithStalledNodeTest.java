package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.Resources;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: a node whose head stops moving (anvil --no-mining) shows as a growing nodeSyncLag and
 * headAgeSeconds on /api/status, the same lag on /metrics, and the lag goes back to 0 once blocks
 * come again.
 */
class StatusWithStalledNodeTest {
    @TempDir
    Path dir;
    private AnvilProcess anvil;
    private LiveServer server;

    @AfterEach
    void stop() throws Exception {
        Resources.closeAll(server, anvil);
    }

    @Test
    void lagGrowsWhileTheHeadStandsStillAndClearsWhenBlocksCome() throws Exception {
        anvil = AnvilProcess.withoutMining();
        Map<String, String> settings = LiveServer.settingsFor(anvil);
        settings.put("BLOCK_TIME_MS", "1000");
        settings.put("STATUS_REFRESH_MS", "200");
        server = LiveServer.start(settings, dir);

        // the head is anvil's genesis block, stamped when anvil started; with a 1 s block time the
        // lag estimate starts once the head is older than 2 s
        JsonNode early = Poll.eventually(Duration.ofSeconds(30), this::status, s -> s.get("nodeSyncLag").asLong() >= 2);
        assertThat(early.get("nodeSyncLag").asLong()).as("lag after the head stood still for 2 s").isGreaterThanOrEqualTo(2);
        assertThat(early.get("height").asLong()).isZero();
        // the lag keeps growing while the head stands still (seen once the status has refreshed: waited for)
        JsonNode later = Poll.eventually(Duration.ofSeconds(20), this::status,
                st -> st.get("nodeSyncLag").asLong() >= early.get("nodeSyncLag").asLong() + 2
                        && st.get("headAgeSeconds").asDouble() > early.get("headAgeSeconds").asDouble() + 2);
        assertThat(later.get("height").asLong()).isZero();
        assertThat(later.get("nodeSyncLag").asLong()).isGreaterThanOrEqualTo(early.get("nodeSyncLag").asLong() + 2);
        assertThat(later.get("headAgeSeconds").asDouble()).isGreaterThan(early.get("headAgeSeconds").asDouble() + 2);
        // the lag is the blocks that should have come: head age ÷ 1 s
        assertThat(later.get("nodeSyncLag").asLong()).isCloseTo((long) later.get("headAgeSeconds").asDouble(), Offset.offset(1L));

        assertMetricFollowsStatus();

        // mining resumes: a block a second
        new Chain(anvil).call("evm_setIntervalMining", 1);
        JsonNode recovered = Poll.eventually(Duration.ofSeconds(30), this::status, s -> s.get("nodeSyncLag").asLong() == 0);
        assertThat(recovered.get("nodeSyncLag").asLong()).isZero();
        assertThat(recovered.get("height").asLong()).isPositive();
        assertThat(recovered.get("headAgeSeconds").asDouble()).isLessThan(2.5);
        assertThat(recovered.get("nodeStatus").asText()).isEqualTo("ok");
        assertThat(Poll.eventually(Duration.ofSeconds(10), this::metricLag, lag -> lag == 0)).isZero();
    }

    /** /metrics shows the status's lag: read between two status reads, it equals one of them. */
    private void assertMetricFollowsStatus() {
        long before = status().get("nodeSyncLag").asLong();
        long metric = metricLag();
        long after = status().get("nodeSyncLag").asLong();
        assertThat(metric).as("dytallix_block_lag between status reads of %d and %d", before, after).isBetween(before, after);
        assertThat(metric).isPositive();
    }

    private long metricLag() {
        Response metrics = server.http.get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        return metrics.body().lines().filter(l -> l.startsWith("dytallix_block_lag ") || l.startsWith("dytallix_block_lag{"))
                .map(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no dytallix_block_lag sample in /metrics"));
    }

    private JsonNode status() {
        Response r = server.http.get("/api/status");
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }
}
