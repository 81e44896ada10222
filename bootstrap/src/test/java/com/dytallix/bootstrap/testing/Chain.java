package com.dytallix.bootstrap.testing;

import com.dytallix.adapters.node.AnvilProcess;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the tests read from and do to anvil directly, bypassing the server: the chain is the referee. */
public final class Chain {
    private final AnvilProcess anvil;

    public Chain(AnvilProcess anvil) {
        this.anvil = anvil;
    }

    /** The {@code result} of one call; an answer without one (an RPC error) fails the test with anvil's message. */
    public JsonNode call(String method, Object... params) {
        String body;
        try {
            body = anvil.rpc(method, ApiClient.JSON.writeValueAsString(List.of(params)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonNode answer = ApiClient.parse(body);
        if (answer.has("error") || !answer.has("result")) {
            throw new IllegalStateException(method + " failed: " + body);
        }
        return answer.get("result");
    }

    public BigInteger balance(String address) {
        return quantity(call("eth_getBalance", address, "latest"));
    }

    public long minedNonce(String address) {
        return quantity(call("eth_getTransactionCount", address, "latest")).longValueExact();
    }

    public long pendingNonce(String address) {
        return quantity(call("eth_getTransactionCount", address, "pending")).longValueExact();
    }

    public long height() {
        return quantity(call("eth_blockNumber")).longValueExact();
    }

    /** The receipt, or a JSON null while the transaction is not mined. */
    public JsonNode receipt(String txHash) {
        return call("eth_getTransactionReceipt", txHash);
    }

    public JsonNode transaction(String txHash) {
        return call("eth_getTransactionByHash", txHash);
    }

    public void setBalance(String address, BigInteger wei) {
        call("anvil_setBalance", address, "0x" + wei.toString(16));
    }

    public void setCode(String address, String code) {
        call("anvil_setCode", address, code);
    }

    public void mine() {
        anvil.mine();
    }

    /**
     * Replaces every block from {@code firstBlock} up with an empty one ({@code anvil_reorg}) on a node that mines a
     * block every {@code blockTimeSeconds}: mining is paused meanwhile, so that no block slips in between reading the
     * height and the reorg (which would leave {@code firstBlock} in place). Returns the reorg's depth.
     */
    public long replaceBlocksFrom(long firstBlock, int blockTimeSeconds) {
        call("evm_setIntervalMining", 0);
        try {
            long depth = height() - firstBlock + 1;
            call("anvil_reorg", depth, List.of());
            return depth;
        } finally {
            call("evm_setIntervalMining", blockTimeSeconds);
        }
    }

    /** Every mined transaction sent by {@code from}, oldest first (scans all blocks: fine for a test chain). */
    public List<JsonNode> transactionsFrom(String from) {
        List<JsonNode> found = new ArrayList<>();
        long height = height();
        for (long n = 0; n <= height; n++) {
            for (JsonNode tx : call("eth_getBlockByNumber", "0x" + Long.toHexString(n), true).get("transactions")) {
                if (tx.get("from").asText().equalsIgnoreCase(from)) {
                    found.add(tx);
                }
            }
        }
        return found;
    }

    public static BigInteger quantity(JsonNode hex) {
        return new BigInteger(hex.asText().substring(2), 16);
    }

    /**
     * A new anvil (a block a second) on the port a stopped one had, for a node that comes back where it
     * was. {@link AnvilProcess} always picks a fresh port (anvil refuses a second --port), so this
     * starts the same binary itself.
     */
    public static AnvilOnPort anvilOnPort(int port) throws InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(AnvilProcess.binary().toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                    "--chain-id", Long.toString(AnvilProcess.CHAIN_ID), "--prune-history", "256", "--block-time", "1")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start anvil", e);
        }
        AnvilOnPort anvil = new AnvilOnPort(process);
        try (ApiClient node = new ApiClient("http://127.0.0.1:" + port)) {
            HttpRequest.Builder chainId = HttpRequest.newBuilder(node.uri("/")).timeout(Duration.ofSeconds(2))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && process.isAlive()) {
                try {
                    if (node.send(chainId).body().contains("\"result\"")) {
                        return anvil;
                    }
                } catch (UncheckedIOException notYet) {
                    // not listening yet
                }
                Thread.sleep(50);
            }
        }
        anvil.close();
        throw new IllegalStateException("anvil did not come up on port " + port);
    }

    /** The anvil {@link #anvilOnPort} started; closing stops it. */
    public static final class AnvilOnPort implements AutoCloseable {
        private final Process process;
        private final Thread stopper;

        private AnvilOnPort(Process process) {
            this.process = process;
            // a failed or aborted test run must not leave a node behind
            this.stopper = new Thread(process::destroyForcibly, "anvil-stopper-" + process.pid());
            Runtime.getRuntime().addShutdownHook(stopper);
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
}
