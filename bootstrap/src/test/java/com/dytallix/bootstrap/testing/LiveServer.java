package com.dytallix.bootstrap.testing;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.Server;
import com.dytallix.bootstrap.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The real server in this JVM ({@link Server#start}), with its database and key files under a test's
 * directory; {@code settings} are environment-style keys, as an operator writes them.
 */
public final class LiveServer implements AutoCloseable {
    public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdefghij";

    private final Server server;
    public final ApiClient http;

    private LiveServer(Server server) {
        this.server = server;
        this.http = new ApiClient("http://127.0.0.1:" + server.port());
    }

    /**
     * What an operator sets to run against a node: the node, the faucet key (anvil's account #0), the
     * admin token; status refreshed often so tests see changes quickly, and no per-minute request
     * limit a test could run into. A grant confirms once mined (FAUCET_CONFIRMATIONS=1): an
     * automining anvil makes a block only per transaction, so a lone payment would never get a
     * second confirmation; tests about depth and reorgs set it themselves. The node deadline is
     * generous: on a loaded machine anvil can take seconds to answer, and a test that is not about a
     * slow node must not see one (tests about timeouts set their own). A fresh map: tests add their
     * own keys.
     */
    public static Map<String, String> settingsFor(AnvilProcess anvil) {
        Map<String, String> s = new HashMap<>();
        s.put("PORT", "0");
        s.put("HOST", "127.0.0.1");
        s.put("RPC_URL", anvil.rpcUrl().toString());
        s.put("CHAIN_ID", Long.toString(AnvilProcess.CHAIN_ID));
        s.put("FAUCET_PRIVATE_KEY", AnvilProcess.ACCOUNT_0_KEY);
        s.put("ADMIN_TOKEN", ADMIN_TOKEN);
        s.put("RATE_LIMIT_REQUESTS_PER_MINUTE", "10000000");
        s.put("STATUS_REFRESH_MS", "200");
        s.put("FAUCET_CONFIRMATIONS", "1");
        s.put("NODE_TIMEOUT_MS", "20000");
        // a request waits for its send as long as the node may take (on a loaded machine a send can take over the
        // shipped 100 ms): the tests that want 202s for sends in flight set their own (SlowSendIT, the kill -9 drill)
        s.put("FAUCET_SEND_WAIT_MS", "20000");
        // anvil 1.7.1 (the newest published) in automine mode can leave a ready transaction unmined
        // until another one arrives (foundry-rs/foundry#10122, fixed after 1.7.1) when many reach it
        // out of nonce order; the tracker's re-priced replacement is such an arrival. The default
        // 30 s would outlast a test's wait for a grant.
        s.put("TX_REPLACE_AFTER_MS", "5000");
        return s;
    }

    /**
     * {@link #settingsFor} with the per-IP and per-subnet quotas, the daily cap (and so the outflow
     * budget) and the connections one client may hold open lifted, for tests that make many grants at
     * once from 127.0.0.1 (a crowd of clients played by one); {@code overrides} win (say, a per-address
     * limit a test is about).
     */
    public static Map<String, String> unlimitedSettingsFor(AnvilProcess anvil, Map<String, String> overrides) {
        Map<String, String> s = settingsFor(anvil);
        s.put("RATE_LIMIT_PER_IP_PER_DAY", "1000000");
        s.put("RATE_LIMIT_PER_SUBNET_PER_DAY", "1000000");
        s.put("SUSPICIOUS_ADDRESSES_PER_IP_PER_HOUR", "1000000");
        s.put("FAUCET_DAILY_CAP", "1000000");
        s.put("HTTP_MAX_CONNECTIONS_PER_CLIENT", "1000");
        s.putAll(overrides);
        return s;
    }

    /** Starts the server with its file paths resolved against {@code dir}; its own output is discarded. */
    public static LiveServer start(Map<String, String> settings, Path dir) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return new LiveServer(Server.start(Settings.from(settings).resolvedAgainst(dir), quiet, quiet));
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        try {
            http.close();
        } finally {
            server.close();
        }
    }
}
