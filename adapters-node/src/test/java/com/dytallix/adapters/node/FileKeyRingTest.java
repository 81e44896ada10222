package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.key.InvalidKeyException;
import com.dytallix.domain.key.KeyRotation;
import com.dytallix.domain.key.RetiringKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
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

        KeyRotation rotation = ring.rotate(SECOND_KEY, false, AT);

        var newAddress = Secp256k1Key.fromHex(SECOND_KEY).address();
        assertThat(rotation).isEqualTo(new KeyRotation(oldAddress, newAddress, AT));
        assertThat(ring.active().address()).isEqualTo(newAddress);
        assertThat(ring.byAddress(oldAddress)).isPresent();
        assertThat(ring.byAddress(newAddress)).isPresent();
        assertThat(ring.retiring()).containsExactly(new RetiringKey(oldAddress, Optional.empty()));
        Path retired = file.resolveSibling("faucet.key.retired-" + oldAddress.lower());
        for (Path written : List.of(file, retired)) {
            assertThat(Files.getPosixFilePermissions(written)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
        try (var leftovers = Files.list(file.getParent())) {
            assertThat(leftovers).containsExactlyInAnyOrder(file, retired);
        }

        FileKeyRing restarted = new FileKeyRing(file, Optional.of(ANVIL_KEY));
        assertThat(restarted.active().address()).isEqualTo(newAddress);
        // the old key survives the restart, so its stuck transactions can still be re-priced
        assertThat(restarted.byAddress(oldAddress)).isPresent();
        assertThat(restarted.retiring()).containsExactly(new RetiringKey(oldAddress, Optional.empty()));

        restarted.retire(oldAddress);
        assertThat(restarted.byAddress(oldAddress)).isEmpty();
        assertThat(retired).doesNotExist();
        assertThat(new FileKeyRing(file, Optional.of(ANVIL_KEY)).byAddress(oldAddress)).isEmpty();
    }

    @Test
    void aDrainRequestSurvivesARestartUntilItIsDone() {
        Path file = dir.resolve("faucet.key");
        FileKeyRing ring = new FileKeyRing(file, Optional.of(ANVIL_KEY));
        var oldAddress = ring.active().address();
        var newAddress = Secp256k1Key.fromHex(SECOND_KEY).address();

        ring.rotate(SECOND_KEY, true, AT);

        FileKeyRing restarted = new FileKeyRing(file, Optional.empty());
        assertThat(restarted.retiring()).containsExactly(new RetiringKey(oldAddress, Optional.of(newAddress)));
        restarted.drained(oldAddress);
        assertThat(restarted.retiring()).containsExactly(new RetiringKey(oldAddress, Optional.empty()));
        assertThat(new FileKeyRing(file, Optional.empty()).retiring())
                .containsExactly(new RetiringKey(oldAddress, Optional.empty()));
    }

    @Test
    void rotatingBackToARetiringKeyMakesItActiveAndRetiresTheOther() {
        Path file = dir.resolve("faucet.key");
        FileKeyRing ring = new FileKeyRing(file, Optional.of(ANVIL_KEY));
        var first = ring.active().address();
        var second = Secp256k1Key.fromHex(SECOND_KEY).address();
        ring.rotate(SECOND_KEY, true, AT);

        ring.rotate(ANVIL_KEY, false, AT);

        assertThat(ring.active().address()).isEqualTo(first);
        assertThat(ring.retiring()).containsExactly(new RetiringKey(second, Optional.empty()));
        assertThat(new FileKeyRing(file, Optional.empty()).retiring()).containsExactly(new RetiringKey(second, Optional.empty()));
        // the active key is never forgotten
        ring.retire(first);
        assertThat(ring.byAddress(first)).isPresent();
    }

    @Test
    void aRotationCutShortBeforeTheKeyFileChangedLeavesOnlyTheOldKey() throws IOException {
        Path file = dir.resolve("faucet.key");
        FileKeyRing ring = new FileKeyRing(file, Optional.of(ANVIL_KEY));
        var address = ring.active().address();
        // what a crash between writing the retired copy and the key file leaves behind
        Path retired = file.resolveSibling("faucet.key.retired-" + address.lower());
        Files.writeString(retired, ANVIL_KEY + "\n");
        Files.writeString(retired.resolveSibling(retired.getFileName() + ".drain"), "0x000000000000000000000000000000000000bEEF\n");

        FileKeyRing restarted = new FileKeyRing(file, Optional.of(ANVIL_KEY));

        assertThat(restarted.active().address()).isEqualTo(address);
        assertThat(restarted.retiring()).isEmpty();
        try (var leftovers = Files.list(dir)) {
            assertThat(leftovers).isEmpty();
        }
    }

    @Test
    void aRetiredKeyFileWithAnotherAddressesKeyIsRefused() throws IOException {
        Path file = dir.resolve("faucet.key");
        Files.writeString(file.resolveSibling("faucet.key.retired-0x000000000000000000000000000000000000beef"), SECOND_KEY + "\n");
        assertThatThrownBy(() -> new FileKeyRing(file, Optional.of(ANVIL_KEY)))
                .isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("another address")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECOND_KEY.substring(2, 20)));
    }

    @Test
    void anInvalidRotationChangesNothing() {
        Path file = dir.resolve("faucet.key");
        FileKeyRing ring = new FileKeyRing(file, Optional.of(ANVIL_KEY));
        assertThatThrownBy(() -> ring.rotate("0x1234", false, AT)).isInstanceOf(InvalidKeyException.class);
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
