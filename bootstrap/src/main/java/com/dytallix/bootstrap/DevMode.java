package com.dytallix.bootstrap;

import com.dytallix.adapters.node.FileKeyRing;
import com.dytallix.bootstrap.config.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Zero-configuration start (no RPC_URL): a faucet key and an admin token are generated on first
 * start and kept under the data directory (0600), for the embedded dev chain only.
 */
final class DevMode {
    private DevMode() {
    }

    /** The settings carrying the dev admin token, and the key ring over the dev key. */
    record Prepared(Settings settings, FileKeyRing keys) {
    }

    /** Makes sure the dev key file and admin token exist; the key ring is read once, for the banner and the server. */
    static Prepared prepare(Settings settings, PrintStream err) {
        DataFiles.ownerOnlyDirectory(settings.dataDir());
        boolean newKey = settings.faucetPrivateKey().isEmpty() && FileKeyRing.createIfMissing(settings.faucetKeyFile());
        FileKeyRing keys = new FileKeyRing(settings.faucetKeyFile(), settings.faucetPrivateKey());
        if (settings.adminToken().isPresent()) {
            return new Prepared(settings, keys);
        }
        Path tokenFile = settings.dataDir().resolve("admin.token");
        boolean newToken = false;
        String token;
        try {
            if (!Files.exists(tokenFile)) {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                writeSecret(tokenFile, "dev-" + HexFormat.of().formatHex(random));
                newToken = true;
            }
            token = Files.readString(tokenFile).strip();
        } catch (IOException e) {
            throw new StartupException("cannot keep the dev admin token at " + tokenFile + ": " + e.getMessage(), Main.FAILED);
        }
        if (newKey || newToken) {
            err.println("==================== DEVELOPMENT MODE ONLY ====================");
            err.println(" No RPC_URL: running on the embedded dev chain (nothing is real).");
            if (newToken) {
                err.println(" Admin token (kept in " + tokenFile + "): " + token);
            }
            err.println(" Faucet address: " + keys.active().address()
                    + " (key kept in " + settings.faucetKeyFile() + ")");
            err.println(" Never use these in production: set RPC_URL, FAUCET_PRIVATE_KEY, ADMIN_TOKEN.");
            err.println("===============================================================");
        }
        return new Prepared(settings.withAdminToken(token), keys);
    }

    private static void writeSecret(Path file, String content) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), ".admin", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, content + "\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
}
