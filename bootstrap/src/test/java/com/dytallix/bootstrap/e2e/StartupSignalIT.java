package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.LedgerFile;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.SendProxy;
import com.dytallix.bootstrap.testing.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM or SIGINT while the packaged server is still starting (the listener not up yet) is the graceful stop a signal
 * after the start is: the start stops after its current step, closes what it opened (the database, the node client, the
 * payer lease), and the process exits 0 with one line saying it stopped during start-up. Before, the JVM's default took
 * the signal: exit 143 (130 for SIGINT), the database and the lease left as they were. The boot is held at a step by a
 * node whose answer to one call waits for the test: early, the first node call (the database still opening beside it);
 * late, the status's balance read (the database open and migrated, the chain checked, the payer lease taken). A boot step
 * that fails after the signal (here the chain id check, the node being on another chain than CHAIN_ID) does not race the
 * stop's exit 0 with its exit 1: a stop asked for first is the outcome, the failure a warning.
 */
class StartupSignalIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void sigtermAtTheFirstNodeCallStopsTheStartAndExitsZero() throws Exception {
        stopsDuringStartup("TERM", Hold.FIRST_CALL, 1);
    }

    @Test
    void sigtermAfterTheDatabaseAndTheLeaseStopsTheStartAndASecondOneWaitsForTheFirst() throws Exception {
        stopsDuringStartup("TERM", Hold.BALANCE, 2);
    }

    @Test
    void aBootStepFailingAfterTheSigtermStillEndsAsTheStopWithExitZero() throws Exception {
        // the node's chain id (anvil's) is not CHAIN_ID: the step after the held call fails the start
        stopsDuringStartup("TERM", Hold.FIRST_CALL, 1, Map.of("CHAIN_ID", Long.toString(AnvilProcess.CHAIN_ID + 1)));
    }

    @Test
    void sigintAtTheFirstNodeCallStopsTheStartAndExitsZero() throws Exception {
        stopsDuringStartup("INT", Hold.FIRST_CALL, 1);
    }

    @Test
    void sigintAfterTheDatabaseAndTheLeaseStopsTheStartAndASecondOneWaitsForTheFirst() throws Exception {
        stopsDuringStartup("INT", Hold.BALANCE, 2);
    }

    /** Where the node holds the boot. */
    enum Hold {
        /** The boot's first node call: the node check, while the database opens on its own thread. */
        FIRST_CALL(body -> true),
        /** The status's first refresh: after the database opened, the chain check and the payer lease. */
        BALANCE(body -> body.contains("\"eth_getBalance\""));

        final Predicate<String> call;

        Hold(Predicate<String> call) {
            this.call = call;
        }
    }

    private void stopsDuringStartup(String signal, Hold hold, int signals) throws Exception {
        stopsDuringStartup(signal, hold, signals, Map.of());
    }

    /** {@code failing}: settings that make the boot step after the held call fail. */
    private void stopsDuringStartup(String signal, Hold hold, int signals, Map<String, String> failing) throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1); SendProxy node = new SendProxy(anvil.rpcUrl())) {
            node.holdFirst(hold.call);
            Map<String, String> settings = new HashMap<>(LiveServer.settingsFor(anvil));
            settings.put("RPC_URL", node.url());
            settings.put("LOG_LEVEL", "info");
            settings.put("INSTANCE_ID", "first");
            settings.putAll(failing);
            int port = ServerProcess.freePort();
            try (ServerProcess server = ServerProcess.launch(dir, ServerProcess.jar(), port, settings, List.of())) {
                assertThat(node.held.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the boot reached the held call; log:%n%s",
                        server.logTail()).isTrue();
                List<String> before = List.copyOf(node.calls);
                for (int i = 1; i <= signals; i++) {
                    server.signal(signal);
                    awaitStopThreads(server, i);
                }
                node.releaseHeld.countDown();

                assertThat(server.awaitExit(WAIT)).as("exit status after SIG%s during start-up; log:%n%s", signal, server.logTail())
                        .hasValue(0);
                String stdout = server.stdout();
                assertThat(stdout.lines().filter(l -> l.contains("\"message\":\"dytallix-api stopped during start-up (SIG" + signal
                        + " before it listened)"))).as(stdout).hasSize(1);
                assertThat(stdout).as("never listened").doesNotContain(" listening on ");
                assertThat(stdout).doesNotContain("\"message\":\"dytallix-api stopped\"");
                assertThat(stdout.lines().filter(l -> l.contains("\"level\":\"ERROR\""))).as(stdout).isEmpty();
                assertThat(stdout.lines().filter(l -> l.contains("\"level\":\"WARN") && l.contains("a start-up step failed after SIG"
                        + signal + " asked the start to stop (it stops as asked): "))).as(stdout).hasSize(failing.isEmpty() ? 0 : 1);
                assertThat(server.stderr()).as("nothing on stderr: no stack trace, no error").isBlank();
                if (hold == Hold.FIRST_CALL) {
                    assertThat(node.calls).as("stopped at the node check, before the chain check and the status (held at: %s)",
                            before).noneMatch(c -> c.contains("\"eth_getBalance\"")
                                    || c.contains("\"eth_getBlockByNumber\"") && c.contains("[\"0x0\""));
                }
            }
            // the database closed cleanly (SQLite in WAL mode: the last connection checkpointed and removed the WAL)
            assertThat(dir.resolve(LedgerFile.DB_PATH + "-wal")).as("WAL left behind: the database was not closed").doesNotExist();
            if (hold == Hold.BALANCE) {
                // the payer lease was handed over: another instance pays at once, not after the lease ran out
                settings.put("INSTANCE_ID", "second");
                settings.put("RPC_URL", anvil.rpcUrl().toString());
                try (ServerProcess next = ServerProcess.start(dir, ServerProcess.freePort(), settings)) {
                    assertThat(next.http.get("/api/status").json().path("payer").asText()).isEqualTo("second");
                }
            }
        }
    }

    /** Waits until the server has {@code count} threads named "shutdown": one per SIGTERM/SIGINT it received. */
    private static void awaitStopThreads(ServerProcess server, int count) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (stopThreads(server.pid()) < count) {
            assertThat(System.nanoTime()).as("the server took the signal; log:%n%s", server.logTail()).isLessThan(deadline);
            assertThat(server.awaitExit(Duration.ofMillis(20))).as("exited at the signal; log:%n%s", server.logTail()).isEmpty();
        }
    }

    private static long stopThreads(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().equals("shutdown");
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        } catch (java.nio.file.NoSuchFileException exited) {
            return 0;
        }
    }
}
