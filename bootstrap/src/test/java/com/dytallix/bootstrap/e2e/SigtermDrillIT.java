package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.LedgerFile;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Recipients;
import com.dytallix.bootstrap.testing.ServerProcess;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SIGTERM drill: SIGTERM to the packaged server while requests are in flight. The
 * process finishes what it accepted, exits 0 in time, says it stopped, closes the database cleanly
 * (for SQLite in WAL mode: the last connection checkpointed and removed the WAL), and the next
 * process opens it at once.
 */
class SigtermDrillIT {
    private static final int CLIENTS = 8;
    /** A request sent this long before the signal has certainly been accepted by the server. */
    private static final long ACCEPTED_MARGIN_NANOS = Duration.ofMillis(300).toNanos();

    @TempDir
    Path dir;

    /** What one request got, and when: an answer, or the exception that ended it. */
    record Outcome(long sentAt, long endedAt, Response answer, UncheckedIOException lost) {
    }

    @Test
    void sigtermUnderLoadFinishesInFlightRequestsExitsZeroAndLeavesACleanDatabase() throws Exception {
        Path wal = dir.resolve(LedgerFile.DB_PATH + "-wal");
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1)) {
            int port = ServerProcess.freePort();
            Map<String, String> settings = LiveServer.unlimitedSettingsFor(anvil, Map.of("LOG_LEVEL", "info"));
            List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
            long signalAt;
            try (ServerProcess server = ServerProcess.start(dir, port, settings)) {
                Response granted = server.http.drip("0x000000000000000000000000000000000000bEEF", Optional.empty(), true);
                assertThat(granted.status()).as("%s", granted.body()).isEqualTo(200);
                assertThat(wal).as("WAL while serving").exists();

                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    clients.add(Thread.ofPlatform().name("client-" + c).start(() -> load(server.http.base(), outcomes)));
                }
                Thread.sleep(2500);
                signalAt = System.nanoTime();
                server.terminate();
                OptionalInt exit = server.awaitExit(Duration.ofSeconds(15));
                long stoppedIn = Duration.ofNanos(System.nanoTime() - signalAt).toMillis();
                assertThat(exit).as("exit status within 15 s of SIGTERM; log:%n%s", server.logTail()).hasValue(0);
                assertThat(server.stdout()).contains("\"message\":\"dytallix-api stopped\"");
                for (Thread t : clients) {
                    t.join(Duration.ofSeconds(30));
                }
                System.out.printf("SIGTERM drill: stopped in %d ms; %d requests, %d answered, %d in flight at the signal%n", stoppedIn,
                        outcomes.size(), outcomes.stream().filter(o -> o.answer() != null).count(),
                        outcomes.stream().filter(o -> o.sentAt() < signalAt && o.endedAt() > signalAt).count());
            }

            assertThat(outcomes).as("requests answered before the signal").filteredOn(o -> o.answer() != null).hasSizeGreaterThan(5);
            assertThat(outcomes).as("no answer is a server error").allSatisfy(o -> {
                if (o.answer() != null) {
                    assertThat(o.answer().status()).as("%s", o.answer().body()).isLessThan(500);
                }
            });
            List<Outcome> inFlight = outcomes.stream()
                    .filter(o -> o.sentAt() < signalAt - ACCEPTED_MARGIN_NANOS && o.endedAt() > signalAt).toList();
            assertThat(inFlight).as("the drill caught requests in flight at the signal").isNotEmpty();
            assertThat(outcomes).as("requests in flight at the signal were answered, not cut off")
                    .filteredOn(o -> o.sentAt() < signalAt - ACCEPTED_MARGIN_NANOS)
                    .allSatisfy(o -> assertThat(o.lost()).as("request sent %d ms before the signal",
                            Duration.ofNanos(signalAt - o.sentAt()).toMillis()).isNull());

            // checkpointed and removed: an empty WAL left behind would still mean the database was not closed
            assertThat(wal).as("WAL left behind: the database was not closed").doesNotExist();

            long restart = System.nanoTime();
            try (ServerProcess next = ServerProcess.start(dir, port, settings)) {
                System.out.printf("SIGTERM drill: the next process was ready in %d ms%n",
                        Duration.ofNanos(System.nanoTime() - restart).toMillis());
                assertThat(next.http.get("/readyz").status()).isEqualTo(200);
                // what was granted before the stop is still followed to the end by the next process
                for (Outcome o : outcomes) {
                    if (o.answer() != null && o.answer().status() == 200) {
                        next.http.awaitGrant(o.answer().field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(15));
                    }
                }
            }
        }
    }

    /** Requests that wait for confirmation (about a block), so several are always in flight. */
    private static void load(String base, List<Outcome> outcomes) {
        try (ApiClient client = new ApiClient(base)) {
            while (true) {
                long sentAt = System.nanoTime();
                try {
                    Response answer = client.drip(Recipients.fresh(), Optional.empty(), true);
                    outcomes.add(new Outcome(sentAt, System.nanoTime(), answer, null));
                } catch (UncheckedIOException e) {
                    if (e.getCause() instanceof ConnectException) {
                        return;
                    }
                    outcomes.add(new Outcome(sentAt, System.nanoTime(), null, e));
                }
            }
        }
    }
}
