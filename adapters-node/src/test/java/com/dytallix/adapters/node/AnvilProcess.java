package com.dytallix.adapters.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real anvil node for tests, started directly (no npx) on a free loopback port and stopped by
 * its own PID. The binary comes from the npm package {@code @foundry-rs/anvil-linux-amd64}, which
 * is installed under {@code <repo root>/.tools/anvil} on first use.
 */
public final class AnvilProcess implements AutoCloseable {
    public static final String VERSION = "1.7.1";
    public static final long CHAIN_ID = 31337;
    /** anvil's well-known account #0, funded with 10000 ETH at genesis. */
    public static final String ACCOUNT_0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    public static final String ACCOUNT_0_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);
    private static final Duration NPM_DEADLINE = Duration.ofMinutes(10);

    private final Process process;
    private final URI rpcUrl;
    private final Path log;
    private final Thread shutdownHook;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private AnvilProcess(Process process, URI rpcUrl, Path log) {
        this.process = process;
        this.rpcUrl = rpcUrl;
        this.log = log;
        // a failed or aborted test run must not leave a node behind
        this.shutdownHook = new Thread(() -> stop(process), "anvil-stopper-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** anvil mining a block every {@code seconds}. */
    public static AnvilProcess withBlockTime(int seconds) {
        return start(List.of("--block-time", Integer.toString(seconds)));
    }

    /** anvil that mines only when asked ({@link #mine()}): a stalled head and a pool that holds transactions. */
    public static AnvilProcess withoutMining() {
        return start(List.of("--no-mining"));
    }

    /** anvil with extra command-line options on top of host, port, chain id and history pruning. */
    public static AnvilProcess start(List<String> options) {
        return start(CHAIN_ID, options);
    }

    /** anvil of another chain id, with extra command-line options. */
    public static AnvilProcess start(long chainId, List<String> options) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return onPort(freePort(), chainId, options);
            } catch (IllegalStateException e) {
                last = e; // most likely another process took the port between probing and binding
            }
        }
        throw last;
    }

    /** anvil on {@code port} (say, a chain relaunched where the last node listened), with extra command-line options. */
    public static AnvilProcess onPort(int port, long chainId, List<String> options) {
        Path binary = binary();
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--chain-id", Long.toString(chainId), "--prune-history", "256"));
        command.addAll(options);
        Path log;
        Process process;
        try {
            log = Files.createTempFile("anvil-", ".log");
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start anvil at " + binary, e);
        }
        AnvilProcess anvil = new AnvilProcess(process, URI.create("http://127.0.0.1:" + port + "/"), log);
        try {
            anvil.awaitReady();
            return anvil;
        } catch (IllegalStateException e) {
            anvil.close();
            throw e;
        }
    }

    public URI rpcUrl() {
        return rpcUrl;
    }

    public long pid() {
        return process.pid();
    }

    /** Mines one block now ({@code evm_mine}). */
    public void mine() {
        String answer = rpc("evm_mine", "[]");
        if (!answer.contains("\"result\"")) {
            throw new IllegalStateException("evm_mine failed: " + answer);
        }
    }

    /** Sends one JSON-RPC request and returns the raw response body. */
    public String rpc(String method, String paramsJson) {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + paramsJson + "}";
        HttpRequest request = HttpRequest.newBuilder(rpcUrl).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException("anvil did not answer " + method, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking anvil", e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("anvil exited with " + process.exitValue() + ": " + logTail());
            }
            try {
                if (rpc("eth_chainId", "[]").contains("\"result\"")) {
                    return;
                }
            } catch (UncheckedIOException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for anvil", e);
            }
        }
        throw new IllegalStateException("anvil did not answer eth_chainId within " + START_DEADLINE.toSeconds() + " s: " + logTail());
    }

    private String logTail() {
        try {
            String text = Files.readString(log);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        stop(process);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook is running or about to: nothing left to do
        }
        http.close();
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file left behind is harmless
        }
    }

    private static void stop(Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    // --- finding and installing the binary ---

    /** The repository root: surefire's {@code repo.root}, else the nearest directory above holding {@code dyt}. */
    public static Path repoRoot() {
        String configured = System.getProperty("repo.root");
        if (configured != null && !configured.isBlank() && Files.isDirectory(Path.of(configured))) {
            return Path.of(configured).toAbsolutePath();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("dyt"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the repository root (no repo.root property and no dyt above "
                + Path.of("").toAbsolutePath() + ")");
    }

    /** The anvil binary, installed through npm when missing. */
    public static synchronized Path binary() {
        Path prefix = repoRoot().resolve(".tools/anvil");
        Path binary = prefix.resolve("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        if (Files.isExecutable(binary)) {
            return binary;
        }
        try {
            Files.createDirectories(prefix);
            // other test JVMs (parallel module builds) may be installing at the same moment
            try (FileChannel channel = FileChannel.open(prefix.resolveSibling("anvil.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                if (!Files.isExecutable(binary)) {
                    install(prefix, binary);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + prefix, e);
        }
        return binary;
    }

    private static void install(Path prefix, Path binary) throws IOException {
        String missing = "anvil is needed for the end-to-end tests; install Node.js/npm or put anvil at " + binary;
        Path npmLog = prefix.resolve("npm-install.log");
        Process npm;
        try {
            npm = new ProcessBuilder("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", prefix.toString(),
                    "@foundry-rs/anvil-linux-amd64@" + VERSION)
                    .redirectErrorStream(true).redirectOutput(npmLog.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException(missing + " (npm could not be started: " + e.getMessage() + ")", e);
        }
        try {
            if (!npm.waitFor(NPM_DEADLINE.toMinutes(), TimeUnit.MINUTES)) {
                npm.destroyForcibly();
                throw new IllegalStateException(missing + " (npm install did not finish within " + NPM_DEADLINE.toMinutes() + " minutes)");
            }
        } catch (InterruptedException e) {
            npm.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while installing anvil", e);
        }
        if (npm.exitValue() != 0 || !Files.isExecutable(binary)) {
            throw new IllegalStateException(missing + " (npm install failed, see " + npmLog + ")");
        }
    }
}
