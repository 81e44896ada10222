package com.dytallix.bootstrap.verify;

import com.dytallix.adapters.node.AnvilProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * anvil on a port chosen by the test, for a node that comes back where it was. {@link AnvilProcess}
 * always picks a fresh port (anvil refuses a second --port), so a restart on the same port needs this.
 */
final class AnvilOnPort implements AutoCloseable {
    private final Process process;
    private final Thread stopper;

    private AnvilOnPort(Process process) {
        this.process = process;
        // a failed or aborted test run must not leave a node behind
        this.stopper = new Thread(process::destroyForcibly, "anvil-stopper-" + process.pid());
        Runtime.getRuntime().addShutdownHook(stopper);
    }

    static AnvilOnPort start(int port) throws InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(AnvilProcess.binary().toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                    "--chain-id", Long.toString(AnvilProcess.CHAIN_ID), "--prune-history", "256", "--block-time", "1")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start anvil", e);
        }
        AnvilOnPort anvil = new AnvilOnPort(process);
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest chainId = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(2))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}")).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && process.isAlive()) {
                try {
                    if (http.send(chainId, HttpResponse.BodyHandlers.ofString()).body().contains("\"result\"")) {
                        return anvil;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(50);
            }
        }
        anvil.close();
        throw new IllegalStateException("anvil did not come up on port " + port);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(stopper);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook is running already
        }
    }
}
