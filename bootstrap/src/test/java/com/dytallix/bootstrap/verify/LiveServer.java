package com.dytallix.bootstrap.verify;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.Server;
import com.dytallix.bootstrap.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The real server, in this JVM, in front of a real anvil node and a real SQLite file under {@code dir}. */
final class LiveServer implements AutoCloseable {
    static final String ADMIN_TOKEN = "verify-admin-token-0123456789abcdefghij";

    private final Server server;
    final Http http;

    private LiveServer(Server server) {
        this.server = server;
        this.http = new Http("http://127.0.0.1:" + server.port());
    }

    /** What an operator sets to run against a node: the node, the faucet key (anvil's account #0), the admin token. */
    static Map<String, String> settingsFor(AnvilProcess anvil) {
        Map<String, String> s = new HashMap<>();
        s.put("PORT", "0");
        s.put("HOST", "127.0.0.1");
        s.put("RPC_URL", anvil.rpcUrl().toString());
        s.put("FAUCET_PRIVATE_KEY", AnvilProcess.ACCOUNT_0_KEY);
        s.put("ADMIN_TOKEN", ADMIN_TOKEN);
        s.put("RATE_LIMIT_REQUESTS_PER_MINUTE", "100000");
        s.put("STATUS_REFRESH_MS", "200");
        return s;
    }

    static LiveServer start(Map<String, String> settings, Path dir) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return new LiveServer(Server.start(Settings.from(settings).resolvedAgainst(dir), quiet, quiet));
    }

    int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
    }

    /** Closes every one that was started, in the order given, even when an earlier one fails. */
    static void closeAll(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable r : resources) {
            try {
                if (r != null) {
                    r.close();
                }
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Polls until the condition holds for a value, or the deadline passes; returns the last value seen. */
    static <T> T eventually(java.time.Duration within, java.util.function.Supplier<T> probe, java.util.function.Predicate<T> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        T value = probe.get();
        while (!done.test(value) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            value = probe.get();
        }
        return value;
    }
}
