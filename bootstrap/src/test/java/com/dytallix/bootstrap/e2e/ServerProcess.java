package com.dytallix.bootstrap.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The packaged server (bootstrap/target/dytallix-api.jar + libs/) as its own operating-system
 * process, started the way the launcher starts it, on a fixed loopback port so a restart is found
 * at the same address. Output goes to one log file across restarts.
 */
final class ServerProcess implements AutoCloseable {
    private static final Duration READY_DEADLINE = Duration.ofSeconds(30);

    private final Process process;
    private final int port;
    private final Path log;
    private final Thread shutdownHook;

    private ServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        // an aborted test run must not leave a server behind
        this.shutdownHook = new Thread(process::destroyForcibly, "server-stopper-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The launcher jar the build produced; the ITs run after {@code package}. */
    static Path jar() {
        Path jar = repoRoot().resolve("bootstrap/target/dytallix-api.jar");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(jar.resolveSibling("libs"))) {
            throw new IllegalStateException("no launcher jar with libs/ at " + jar + "; run ./dyt build first");
        }
        return jar;
    }

    private static Path repoRoot() {
        String configured = System.getProperty("repo.root");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("dyt"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the repository root");
    }

    /**
     * Starts {@code serve} in {@code workDir} with exactly {@code settings} as its environment (nothing
     * inherited can change the configuration) and waits for /readyz.
     */
    static ServerProcess start(Path workDir, int port, Map<String, String> settings) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-jar", jar().toString(), "serve"))
                .directory(workDir.toFile())
                .redirectErrorStream(true);
        Path log = workDir.resolve("server.log");
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.environment().putAll(settings);
        builder.environment().put("PORT", Integer.toString(port));
        builder.environment().put("HOST", "127.0.0.1");
        ServerProcess server;
        try {
            server = new ServerProcess(builder.start(), port, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + java, e);
        }
        try {
            server.awaitReady();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the server exited with " + process.exitValue() + ": " + logTail());
                }
                try {
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/readyz"))
                            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the server", e);
        }
        throw new IllegalStateException("the server was not ready within " + READY_DEADLINE.toSeconds() + " s: " + logTail());
    }

    /** SIGKILL: no shutdown hook, no final checkpoint, nothing. Returns once the process is gone. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the server survived SIGKILL");
        }
    }

    /** SIGTERM: asks for the graceful stop. */
    void terminate() {
        process.destroy();
    }

    /** Waits for the process to end; empty if it is still running after {@code within}. */
    OptionalInt awaitExit(Duration within) throws InterruptedException {
        return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)
                ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
    }

    String logTail() {
        try {
            String text = Files.readString(log);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook is running: nothing left to do
        }
    }
}
