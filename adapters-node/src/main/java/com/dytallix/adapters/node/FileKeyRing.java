package com.dytallix.adapters.node;

import com.dytallix.domain.Address;
import com.dytallix.domain.key.InvalidKeyException;
import com.dytallix.domain.key.KeyRing;
import com.dytallix.domain.key.KeyRotation;
import com.dytallix.domain.key.SigningKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The faucet's keys, backed by a key file (one line of hex, mode 0600). The file, once it exists,
 * wins over the configured key, because it holds the result of the latest rotation. Keys rotated
 * away from stay reachable by address until the process ends.
 */
public final class FileKeyRing implements KeyRing {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final System.Logger LOG = System.getLogger(FileKeyRing.class.getName());

    private final Path keyFile;
    private final Map<Address, Secp256k1Key> known = new ConcurrentHashMap<>();
    private volatile Secp256k1Key active;

    /**
     * @param keyFile           FAUCET_KEY_FILE
     * @param configuredKeyHex  FAUCET_PRIVATE_KEY, used while the key file does not exist
     * @throws InvalidKeyException   when the key file or the configured key does not hold a valid key
     * @throws IllegalStateException when there is neither a key file nor a configured key
     */
    public FileKeyRing(Path keyFile, Optional<String> configuredKeyHex) {
        this.keyFile = keyFile;
        Secp256k1Key initial;
        if (Files.exists(keyFile)) {
            try {
                initial = Secp256k1Key.fromHex(Files.readString(keyFile, StandardCharsets.US_ASCII));
                warnIfOthersCanRead(keyFile);
            } catch (InvalidKeyException e) {
                throw new InvalidKeyException("key file " + keyFile + ": " + e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read key file " + keyFile, e);
            }
        } else if (configuredKeyHex.isPresent()) {
            try {
                initial = Secp256k1Key.fromHex(configuredKeyHex.get());
            } catch (InvalidKeyException e) {
                throw new InvalidKeyException("FAUCET_PRIVATE_KEY: " + e.getMessage());
            }
        } else {
            throw new IllegalStateException("no faucet key: set FAUCET_PRIVATE_KEY or create the key file " + keyFile);
        }
        active = initial;
        known.put(initial.address(), initial);
    }

    private static void warnIfOthersCanRead(Path keyFile) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(keyFile);
        if (!OWNER_ONLY.containsAll(permissions)) {
            LOG.log(System.Logger.Level.WARNING, "key file {0} is accessible to other users ({1}); chmod 600 it",
                    keyFile, PosixFilePermissions.toString(permissions));
        }
    }

    /**
     * Writes a freshly generated key to {@code keyFile} when no file is there (the dev mode's first
     * start).
     *
     * @return true when a key was created, false when the file already existed
     */
    public static boolean createIfMissing(Path keyFile) {
        synchronized (FileKeyRing.class) {
            if (Files.exists(keyFile)) {
                return false;
            }
            writeAtomically(keyFile, Secp256k1Key.generate());
            return true;
        }
    }

    @Override
    public SigningKey active() {
        return active;
    }

    @Override
    public Optional<SigningKey> byAddress(Address address) {
        return Optional.ofNullable(known.get(address));
    }

    @Override
    public synchronized KeyRotation rotate(String newKeyHex, Instant at) {
        Secp256k1Key next = Secp256k1Key.fromHex(newKeyHex);
        writeAtomically(keyFile, next);
        Secp256k1Key previous = active;
        known.put(next.address(), next);
        active = next;
        return new KeyRotation(previous.address(), next.address(), at);
    }

    /**
     * Temp file with owner-only permissions in the same directory, fsync, atomic rename, fsync of
     * the directory: after a crash the file holds either the old key or the new one, never half.
     */
    private static void writeAtomically(Path keyFile, Secp256k1Key key) {
        Path target = keyFile.toAbsolutePath();
        Path dir = target.getParent();
        Path temp = null;
        try {
            Files.createDirectories(dir);
            FileAttribute<Set<PosixFilePermission>> ownerOnly = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
            temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", ownerOnly);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer content = ByteBuffer.wrap((key.privateKeyHex() + "\n").getBytes(StandardCharsets.US_ASCII));
                while (content.hasRemaining()) {
                    channel.write(content);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
            try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
                directory.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write key file " + target, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the write already failed; that failure is the one to report
                }
            }
        }
    }

    @Override
    public String toString() {
        return "FileKeyRing[" + keyFile + ", active " + active.address() + "]";
    }
}
