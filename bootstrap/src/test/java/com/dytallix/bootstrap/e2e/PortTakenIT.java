package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.Main;
import com.dytallix.bootstrap.testing.ServerProcess;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose port another process holds says so (which address, which port), claims nothing
 * about listening, and exits non-zero with nothing of it left: the same working directory then
 * starts on a free port at once (its data directory's lock was released).
 */
class PortTakenIT {
    private static final Map<String, String> DEV = Map.of("DEV_BLOCK_TIME_MS", "500", "LOG_LEVEL", "info");

    @TempDir
    Path dir;

    @Test
    void aTakenPortIsNamedAndTheProcessExitsNonZero() throws Exception {
        try (ServerSocket holder = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int taken = holder.getLocalPort();
            try (ServerProcess server = ServerProcess.launch(dir, ServerProcess.jar(), taken, DEV, List.of())) {
                // generous: a JVM start on this shared machine takes seconds at a high load
                OptionalInt exit = server.awaitExit(Duration.ofSeconds(90));
                assertThat(exit).as("the process exited: %s", server.logTail()).isPresent();
                assertThat(exit.getAsInt()).isEqualTo(Main.FAILED);
                assertThat(server.stderr()).contains("cannot listen on 127.0.0.1:" + taken + ": the port is already taken");
                assertThat(server.stdout()).doesNotContain("listening on").doesNotContain(":-1");
            }
            assertThat(holder.isBound()).isTrue();
        }
        int free = ServerProcess.freePort();
        try (ServerProcess again = ServerProcess.start(dir, ServerProcess.jar(), free, DEV, List.of())) {
            assertThat(again.stdout()).contains("listening on 127.0.0.1:" + free);
            assertThat(again.stop()).isZero();
        }
    }
}
