package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server loads SQLite's native library from {@code libs/sqlite-native/}, where the build
 * puts it, instead of having the driver write it to the temporary directory and read it back at
 * every start.
 */
class SqliteNativeLibraryIT {
    @TempDir
    Path dir;

    @Test
    void theNativeLibraryComesFromLibsAndNothingIsWrittenToTheTemporaryDirectory() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path work = Files.createDirectory(dir.resolve("work"));
        try (ServerProcess server = ServerProcess.start(work, ServerProcess.freePort(), Map.of("DEV_BLOCK_TIME_MS", "500"),
                List.of("-Djava.io.tmpdir=" + tmp))) {
            assertThat(server.http.get("/readyz").status()).isEqualTo(200);
            try (Stream<Path> written = Files.list(tmp)) {
                assertThat(written.map(p -> p.getFileName().toString())).noneMatch(name -> name.contains("sqlite"));
            }
            assertThat(server.stop()).isZero();
        }
    }
}
