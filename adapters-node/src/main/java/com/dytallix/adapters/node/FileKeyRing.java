package com.dytallix.adapters.node;

import com.dytallix.domain.Address;
import com.dytallix.domain.key.InvalidKeyException;
import com.dytallix.domain.key.KeyRing;
import com.dytallix.domain.key.KeyRotation;
import com.dytallix.domain.key.RetiringKey;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The faucet's keys, backed by a key file (one line of hex, mode 0600). The file, once it exists,
 * wins over the configured key, because it holds the result of the latest rotation. A key rotated
 * away from is kept beside it as {@code <key file>.retired-<address>} (same format and mode) until
 * {@link #retire}; a drain asked for it is {@code <that file>.drain}, holding the address to drain
 * to, until {@link #drained}. Every file is written atomically.
 */
public final class FileKeyRing implements KeyRing {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final System.Logger LOG = System.getLogger(FileKeyRing.class.getName());
    private static final String RETIRED = ".retired-";
    private static final String DRAIN = ".drain";
    private static final Pattern RETIRED_ADDRESS = Pattern.compile("0x[0-9a-f]{40}");

    private final Path keyFile;
    private final Map<Address, Secp256k1Key> known = new ConcurrentHashMap<>();
    private final Map<Address, RetiringKey> retiring = new ConcurrentHashMap<>();
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
        loadRetired();
    }

    /** The retired keys a previous run left; one that is the active key again (a rotation cut short) is dropped. */
    private void loadRetired() {
        Path dir = keyFile.toAbsolutePath().getParent();
        String prefix = keyFile.getFileName() + RETIRED;
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith(prefix) && RETIRED_ADDRESS.matcher(name.substring(prefix.length())).matches();
            }).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        for (Path file : files) {
            Secp256k1Key key;
            try {
                key = Secp256k1Key.fromHex(Files.readString(file, StandardCharsets.US_ASCII));
                warnIfOthersCanRead(file);
            } catch (InvalidKeyException e) {
                throw new InvalidKeyException("retired key file " + file + ": " + e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read retired key file " + file, e);
            }
            if (!file.equals(retiredFile(key.address()))) {
                throw new InvalidKeyException("retired key file " + file + " holds the key of another address");
            }
            if (key.address().equals(active.address())) {
                deleteQuietly(drainFile(key.address()));
                deleteQuietly(file);
                continue;
            }
            known.put(key.address(), key);
            retiring.put(key.address(), new RetiringKey(key.address(), readDrain(key.address())));
        }
    }

    private Optional<Address> readDrain(Address from) {
        Path file = drainFile(from);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Address(Files.readString(file, StandardCharsets.US_ASCII).strip()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read drain request " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("drain request " + file + " does not hold an address");
        }
    }

    private Path retiredFile(Address address) {
        Path target = keyFile.toAbsolutePath();
        return target.resolveSibling(target.getFileName() + RETIRED + address.lower());
    }

    private Path drainFile(Address address) {
        Path retired = retiredFile(address);
        return retired.resolveSibling(retired.getFileName() + DRAIN);
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
            writeAtomically(keyFile, Secp256k1Key.generate().privateKeyHex());
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

    /**
     * The previous key is written to its retired file (and the drain request beside it) before the
     * key file changes, so a crash at any point leaves the previous key on disk.
     */
    @Override
    public synchronized KeyRotation rotate(String newKeyHex, boolean drain, Instant at) {
        Secp256k1Key next = Secp256k1Key.fromHex(newKeyHex);
        Secp256k1Key previous = active;
        boolean changed = !next.address().equals(previous.address());
        if (changed) {
            writeAtomically(retiredFile(previous.address()), previous.privateKeyHex());
            if (drain) {
                writeAtomically(drainFile(previous.address()), next.address().value());
            }
        }
        writeAtomically(keyFile, next.privateKeyHex());
        known.put(next.address(), next);
        active = next;
        if (changed) {
            retiring.put(previous.address(), new RetiringKey(previous.address(),
                    drain ? Optional.of(next.address()) : Optional.empty()));
            // rotating back to a retiring key makes it active again
            retiring.remove(next.address());
            deleteQuietly(drainFile(next.address()));
            deleteQuietly(retiredFile(next.address()));
        }
        return new KeyRotation(previous.address(), next.address(), at);
    }

    @Override
    public List<RetiringKey> retiring() {
        return retiring.values().stream().sorted(Comparator.comparing(k -> k.address().lower())).toList();
    }

    @Override
    public synchronized void drained(Address address) {
        RetiringKey key = retiring.get(address);
        if (key != null && key.drainTo().isPresent()) {
            delete(drainFile(address));
            retiring.put(address, new RetiringKey(address, Optional.empty()));
        }
    }

    @Override
    public synchronized void retire(Address address) {
        if (address.equals(active.address()) || !retiring.containsKey(address)) {
            return;
        }
        delete(drainFile(address));
        delete(retiredFile(address));
        retiring.remove(address);
        known.remove(address);
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }

    /** For files whose presence is harmless (a retired copy of the active key): a failure is only logged. */
    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete {0}: {1}", file, e.getMessage());
        }
    }

    /**
     * Temp file with owner-only permissions in the same directory, fsync, atomic rename, fsync of
     * the directory: after a crash the file holds either the old key or the new one, never half.
     */
    private static void writeAtomically(Path keyFile, String content) {
        Path target = keyFile.toAbsolutePath();
        Path dir = target.getParent();
        Path temp = null;
        try {
            Files.createDirectories(dir);
            FileAttribute<Set<PosixFilePermission>> ownerOnly = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
            temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", ownerOnly);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap((content + "\n").getBytes(StandardCharsets.US_ASCII));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
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
