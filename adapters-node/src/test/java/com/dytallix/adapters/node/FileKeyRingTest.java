package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.key.InvalidKeyException;
import com.dytallix.domain.key.KeyRotation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileKeyRingTest {
    private static final String ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private static final String SECOND_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    private static final Instant AT = Instant.parse("2026-01-02T03:04:05Z");

    @TempDir
    Path dir;

    @Test
    void theConfiguredKeyIsUsedWhileThereIsNoKeyFile() {
        FileKeyRing ring = new FileKeyRing(dir.resolve("faucet.key"), Optional.of(ANVIL_KEY));
        assertThat(ring.active().address().value()).isEqualTo("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assertThat(dir.resolve("faucet.key")).doesNotExist();
    }

    @Test
    void aRotatedKeySurvivesARestartAndWinsOverTheConfiguredKey() throws IOException {
        Path file = dir.resolve("sub/faucet.key");
        FileKeyRing ring = new FileKeyRing(file, Optional.of(ANVIL_KEY));
        var oldAddress = ring.active().address();

        KeyRotation rotation = ring.rotate(SECOND_KEY, AT);

        var newAddress = Secp256k1Key.fromHex(SECOND_KEY).address();
        assertThat(rotation).isEqualTo(new KeyRotation(oldAddress, newAddress, AT));
        assertThat(ring.active().address()).isEqualTo(newAddress);
        assertThat(ring.byAddress(oldAddress)).isPresent();
        assertThat(ring.byAddress(newAddress)).isPresent();
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (var leftovers = Files.list(file.getParent())) {
            assertThat(leftovers).containsExactly(file);
        }

        FileKeyRing restarted = new FileKeyRing(file, Optional.of(ANVIL_KEY));
        assertThat(restarted.active().address()).isEqualTo(newAddress);
        assertThat(restarted.byAddress(oldAddress)).isEmpty();
    }

    @Test
    void anInvalidRotationChangesNothing() {
        Path file = dir.resolve("faucet.key");
        FileKeyRing ring = new FileKeyRing(file, Optional.of(ANVIL_KEY));
        assertThatThrownBy(() -> ring.rotate("0x1234", AT)).isInstanceOf(InvalidKeyException.class);
        assertThat(file).doesNotExist();
        assertThat(ring.active().address().value()).isEqualTo("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    }

    @Test
    void createIfMissingWritesAnOwnerOnlyKeyOnce() throws IOException {
        Path file = dir.resolve("data/faucet.key");
        assertThat(FileKeyRing.createIfMissing(file)).isTrue();
        String first = Files.readString(file);
        assertThat(first).matches("0x[0-9a-f]{64}\n");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        assertThat(FileKeyRing.createIfMissing(file)).isFalse();
        assertThat(Files.readString(file)).isEqualTo(first);
        assertThat(new FileKeyRing(file, Optional.empty()).active().address())
                .isEqualTo(Secp256k1Key.fromHex(first).address());
    }

    @Test
    void aBrokenKeyFileIsReportedWithoutItsContent() throws IOException {
        Path file = dir.resolve("faucet.key");
        Files.writeString(file, "0xdeadbeefcafe\n");
        assertThatThrownBy(() -> new FileKeyRing(file, Optional.of(ANVIL_KEY)))
                .isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("key file")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("deadbeef"));
    }

    @Test
    void noKeyAtAllIsAClearError() {
        assertThatThrownBy(() -> new FileKeyRing(dir.resolve("faucet.key"), Optional.empty()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("FAUCET_PRIVATE_KEY");
    }

    @Test
    void toStringShowsNoKey() {
        FileKeyRing ring = new FileKeyRing(dir.resolve("faucet.key"), Optional.of(ANVIL_KEY));
        assertThat(ring.toString()).doesNotContain(ANVIL_KEY.substring(2, 20));
    }
}
