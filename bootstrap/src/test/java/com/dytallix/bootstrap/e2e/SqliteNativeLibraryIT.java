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
 * every start; nor does the driver go through the temporary directory for the copies older runs left
 * there (a listing of a shared {@code /tmp} on the start's critical path).
 */
class SqliteNativeLibraryIT {
    @TempDir
    Path dir;

    @Test
    void theNativeLibraryComesFromLibsAndNothingIsWrittenToTheTemporaryDirectory() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        // what the driver's clean-up deletes: a copy an older run extracted, without its lock file
        Path leftOver = Files.writeString(tmp.resolve("sqlite-3.54.1.0-0a1b2c3d-libsqlitejdbc.so"), "an older run's copy");
        Path work = Files.createDirectory(dir.resolve("work"));
        try (ServerProcess server = ServerProcess.start(work, ServerProcess.freePort(), Map.of("DEV_BLOCK_TIME_MS", "500"),
                List.of("-Djava.io.tmpdir=" + tmp))) {
            assertThat(server.http.get("/readyz").status()).isEqualTo(200);
            try (Stream<Path> written = Files.list(tmp)) {
                assertThat(written).containsExactly(leftOver);
            }
            assertThat(server.stop()).isZero();
        }
    }
}
