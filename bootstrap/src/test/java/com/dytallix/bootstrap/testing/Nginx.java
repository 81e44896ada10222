package com.dytallix.bootstrap.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real nginx on loopback as the load balancer in front of the servers, with the configuration
 * the drills and benchmarks use ({@code bench/nginx.conf}), switched the way an operator switches
 * it: the upstream file rewritten and {@code nginx -s reload}. Stopped (with its workers) on close,
 * and by a shutdown hook if the test run is aborted.
 */
public final class Nginx implements AutoCloseable {
    private static final Duration READY_DEADLINE = Duration.ofSeconds(30);
    /** Old workers finish their requests in flight before they exit; a request may wait for a confirmation. */
    private static final Duration DRAIN_DEADLINE = Duration.ofSeconds(90);

    private final Path binary;
    private final Path dir;
    private final Process master;
    private final Thread shutdownHook;
    public final String url;

    private Nginx(Path binary, Path dir, Process master, int port) {
        this.binary = binary;
        this.dir = dir;
        this.master = master;
        this.url = "http://127.0.0.1:" + port;
        this.shutdownHook = new Thread(this::kill, "nginx-stopper-" + master.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The nginx binary. Missing on a developer's machine, the test is skipped with a message saying
     * how to install it; missing under CI ({@code CI=true}, where {@code .ci/run} installs it), the
     * test fails with that message.
     */
    public static Path require() {
        Optional<Path> found = Stream.concat(Stream.of(Path.of("/usr/sbin/nginx")),
                        Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).filter(p -> !p.isEmpty())
                                .map(p -> Path.of(p, "nginx")))
                .filter(Files::isExecutable).findFirst();
        if (found.isPresent()) {
            return found.get();
        }
        String message = "nginx is not installed (apt-get install -y nginx-light; .ci/run installs it): "
                + "this test runs the zero-downtime deployment through a real nginx";
        Required.tool(false, message);
        throw new IllegalStateException(message);
    }

    /** Starts nginx in {@code dir} on a free loopback port in front of {@code servers} (base URLs). */
    public static Nginx start(Path dir, String... servers) throws IOException, InterruptedException {
        Path binary = require();
        Files.createDirectories(dir.resolve("tmp"));
        int port = ServerProcess.freePort();
        String template = Files.readString(ServerProcess.repoRoot().resolve("bench/nginx.conf"));
        Files.writeString(dir.resolve("nginx.conf"),
                template.replace("@DIR@", dir.toString()).replace("@PORT@", Integer.toString(port)));
        writeUpstreams(dir, servers);
        Process master = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        Nginx nginx = new Nginx(binary, dir, master, port);
        try {
            nginx.awaitListening(port);
        } catch (RuntimeException e) {
            nginx.close();
            throw e;
        }
        return nginx;
    }

    /**
     * Points nginx at {@code servers} as an operator does (the upstream file rewritten, {@code nginx -s
     * reload}) and returns once every worker of the old configuration has finished its requests in
     * flight and exited: from then on nothing reaches the servers it no longer lists.
     */
    public void switchTo(String... servers) throws IOException, InterruptedException {
        Set<Long> old = workers();
        writeUpstreams(dir, servers);
        Process reload = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(),
                "-s", "reload").redirectErrorStream(true).start();
        String said = new String(reload.getInputStream().readAllBytes());
        if (!reload.waitFor(30, TimeUnit.SECONDS) || reload.exitValue() != 0) {
            throw new IllegalStateException("nginx -s reload failed: " + said + log());
        }
        long deadline = System.nanoTime() + DRAIN_DEADLINE.toNanos();
        while (workers().stream().anyMatch(old::contains)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("nginx workers of the old configuration still run after "
                        + DRAIN_DEADLINE.toSeconds() + " s: " + log());
            }
            Thread.sleep(50);
        }
        if (workers().isEmpty()) {
            throw new IllegalStateException("nginx has no worker after the reload: " + log());
        }
    }

    private Set<Long> workers() {
        return master.children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    private static void writeUpstreams(Path dir, String... servers) throws IOException {
        String lines = Stream.of(servers).map(s -> "server " + s.replaceFirst("^http://", "") + ";\n").collect(Collectors.joining());
        Path partial = dir.resolve("upstream.conf.new");
        Files.writeString(partial, lines);
        // nginx reads the whole file or the old one, never half of it
        Files.move(partial, dir.resolve("upstream.conf"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private void awaitListening(int port) throws InterruptedException {
        long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (!master.isAlive()) {
                throw new IllegalStateException("nginx exited with " + master.exitValue() + ": " + log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nginx did not listen within " + READY_DEADLINE.toSeconds() + " s: " + log());
    }

    /** What nginx said: its error log and its output. */
    public String log() {
        StringBuilder text = new StringBuilder();
        for (Path f : List.of(dir.resolve("error.log"), dir.resolve("stdout.log"))) {
            try {
                if (Files.exists(f)) {
                    text.append('\n').append(f.getFileName()).append(":\n").append(Files.readString(f));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return text.toString();
    }

    /** SIGTERM (nginx's fast stop), then SIGKILL for whatever of it is still there. */
    private void kill() {
        List<ProcessHandle> all = Stream.concat(master.descendants(), Stream.of(master.toHandle())).toList();
        master.destroy();
        try {
            if (!master.waitFor(10, TimeUnit.SECONDS)) {
                master.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // a worker outlives a killed master and keeps the port: never leave one behind
        all.forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook is running: nothing left to do
        }
    }
}
