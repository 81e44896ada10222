package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.LedgerFile;
import com.dytallix.bootstrap.testing.Recipients;
import com.dytallix.bootstrap.testing.ServerProcess;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused request's fingerprint is held in memory and written by a background writer a few times a
 * second; SIGTERM in the middle of a flood of refusals must still leave a row for every refusal the
 * server answered (those held at the signal are written at shutdown).
 */
class FingerprintsAtSigtermIT {
    private static final int CLIENTS = 4;

    @TempDir
    Path dir;

    @Test
    void everyRefusalAnsweredBeforeSigtermHasItsFingerprintAfterTheExit() throws Exception {
        // the embedded dev chain; proof of work on, so a request without one is refused at the door
        Map<String, String> settings = Map.of("FAUCET_POW_DIFFICULTY", "4", "RATE_LIMIT_REQUESTS_PER_MINUTE", "10000000",
                "LOG_LEVEL", "warn");
        AtomicLong refused = new AtomicLong();
        try (ServerProcess server = ServerProcess.start(dir, ServerProcess.freePort(), settings)) {
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(Thread.ofPlatform().name("client-" + c).start(() -> flood(server.http.base(), refused)));
            }
            // past a few of the writer's turns, so rows are being written while more are held
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (refused.get() < 3_000 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(refused.get()).as("refusals answered within 60 s").isGreaterThanOrEqualTo(3_000);
            server.terminate();
            OptionalInt exit = server.awaitExit(Duration.ofSeconds(30));
            assertThat(exit).as("exit status within 30 s of SIGTERM; log:%n%s", server.logTail()).hasValue(0);
            for (Thread t : clients) {
                t.join(Duration.ofSeconds(30));
            }
        }
        long rows = new LedgerFile(dir).fingerprints("pow_required");
        System.out.printf("fingerprints at SIGTERM: %d refusals answered, %d rows%n", refused.get(), rows);
        // a request handled while its client gave up has a row and no counted answer, so rows may exceed it
        assertThat(rows).as("fingerprints of the refusals answered before the exit").isGreaterThanOrEqualTo(refused.get());
    }

    /** Refused requests (no proof of work) until the server stops answering. */
    private static void flood(String base, AtomicLong refused) {
        try (ApiClient client = new ApiClient(base)) {
            while (true) {
                ApiClient.Response answer;
                try {
                    answer = client.post("/api/faucet", "{\"address\":\"" + Recipients.fresh() + "\"}");
                } catch (UncheckedIOException e) {
                    return; // the listener is gone
                }
                if (answer.status() == 400 && answer.body().contains("POW_REQUIRED")) {
                    refused.incrementAndGet();
                }
            }
        }
    }
}
