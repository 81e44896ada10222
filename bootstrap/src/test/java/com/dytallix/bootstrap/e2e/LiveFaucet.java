package com.dytallix.bootstrap.e2e;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.Server;
import com.dytallix.bootstrap.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The real server started in-process against its own anvil and temp directory; closing stops both,
 * server first. Quotas and request limits are lifted unless a test sets them.
 */
final class LiveFaucet implements AutoCloseable {
    static final String ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef0123456789";
    static final String FAUCET_ADDRESS = AnvilProcess.ACCOUNT_0_ADDRESS;

    final AnvilProcess anvil;
    final Chain chain;
    final Path dir;
    final FaucetClient client;
    private final Server server;

    private LiveFaucet(AnvilProcess anvil, Path dir, Server server) {
        this.anvil = anvil;
        this.chain = new Chain(anvil);
        this.dir = dir;
        this.server = server;
        this.client = new FaucetClient("http://127.0.0.1:" + server.port());
    }

    /** Starts the server on {@code anvil}; the anvil is stopped too if the server cannot start. */
    static LiveFaucet start(AnvilProcess anvil, Path dir, Map<String, String> overrides) {
        try {
            Settings settings = Settings.from(settings(anvil, overrides)).resolvedAgainst(dir);
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
            return new LiveFaucet(anvil, dir, Server.start(settings, quiet, quiet));
        } catch (RuntimeException e) {
            anvil.close();
            throw e;
        }
    }

    /** The configuration every e2e run uses, as environment-style keys. */
    static Map<String, String> settings(AnvilProcess anvil, Map<String, String> overrides) {
        Map<String, String> s = new HashMap<>();
        s.put("PORT", "0");
        s.put("HOST", "127.0.0.1");
        s.put("RPC_URL", anvil.rpcUrl().toString());
        s.put("CHAIN_ID", Long.toString(AnvilProcess.CHAIN_ID));
        s.put("FAUCET_PRIVATE_KEY", AnvilProcess.ACCOUNT_0_KEY);
        s.put("ADMIN_TOKEN", ADMIN_TOKEN);
        s.put("DB_PATH", "data/dytallix.db");
        s.put("FAUCET_KEY_FILE", "data/faucet.key");
        s.put("RATE_LIMIT_PER_IP_PER_DAY", "1000000");
        s.put("SUSPICIOUS_ADDRESSES_PER_IP_PER_HOUR", "1000000");
        s.put("FAUCET_DAILY_CAP", "1000000");
        s.put("RATE_LIMIT_REQUESTS_PER_MINUTE", "10000000");
        s.put("STATUS_REFRESH_MS", "200");
        s.putAll(overrides);
        return s;
    }

    String dbFile() {
        return dir.resolve("data/dytallix.db").toString();
    }

    @Override
    public void close() {
        try {
            client.close();
            server.close();
        } finally {
            anvil.close();
        }
    }
}
