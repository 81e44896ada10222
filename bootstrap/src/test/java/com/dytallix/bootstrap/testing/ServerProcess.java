package com.dytallix.bootstrap.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The packaged server ({@code java -jar dytallix-api.jar serve}, with its libs/) as its own
 * operating-system process in a working directory of the test's, started the way the launcher
 * starts it, on a port the test chose so a restart is found at the same address. stdout and
 * stderr go to their own files per port (stdout must be pure JSON lines), appended across restarts;
 * several instances in one working directory each keep their own.
 */
public final class ServerProcess implements AutoCloseable {
    /** A fresh JVM took 15 s to become ready at a load average of 23 on two cores: generous, as the machine is shared. */
    private static final Duration READY_DEADLINE = Duration.ofSeconds(120);

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final Thread shutdownHook;
    public final ApiClient http;

    private ServerProcess(Process process, int port, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.http = new ApiClient("http://127.0.0.1:" + port);
        // an aborted test run must not leave a server behind
        this.shutdownHook = new Thread(process::destroyForcibly, "server-stopper-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The launcher jar the build produced (failsafe names it; the ITs run after {@code package}). */
    public static Path jar() {
        String configured = System.getProperty("dytallix.jar");
        Path jar = configured != null && !configured.isBlank() ? Path.of(configured).toAbsolutePath()
                : repoRoot().resolve("bootstrap/target/dytallix-api.jar");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(jar.resolveSibling("libs"))) {
            throw new IllegalStateException("no launcher jar with libs/ at " + jar + "; run ./dyt build first");
        }
        return jar;
    }

    public static Path repoRoot() {
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
     * inherited can change the configuration), on 127.0.0.1:{@code port}, and waits for /readyz.
     */
    public static ServerProcess start(Path workDir, int port, Map<String, String> settings) {
        return start(workDir, port, settings, List.of());
    }

    /** {@link #start(Path, int, Map)} with these JVM options (say, a heap cap). */
    public static ServerProcess start(Path workDir, int port, Map<String, String> settings, List<String> jvmOptions) {
        return start(workDir, jar(), port, settings, jvmOptions);
    }

    /** {@link #start(Path, int, Map, List)} from another copy of the launcher jar (with its libs/ beside it). */
    public static ServerProcess start(Path workDir, Path jar, int port, Map<String, String> settings, List<String> jvmOptions) {
        ServerProcess server = launch(workDir, jar, port, settings, jvmOptions);
        try {
            server.awaitReady();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** {@link #start(Path, Path, int, Map, List)} without waiting for /readyz: for a start that must fail. */
    public static ServerProcess launch(Path workDir, Path jar, int port, Map<String, String> settings, List<String> jvmOptions) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path out = workDir.resolve("stdout-" + port + ".log");
        Path err = workDir.resolve("stderr-" + port + ".log");
        // every signal at its default, as a service manager starts it: a test JVM started under nohup or as a
        // background job (SIGHUP or SIGINT ignored) would pass that on, and the server could not be sent them
        // (env execs the JVM: the process's id is the server's)
        List<String> command = new java.util.ArrayList<>(List.of("env", "--default-signal", java.toString(),
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString(), "serve"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()));
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.environment().putAll(settings);
        builder.environment().put("PORT", Integer.toString(port));
        builder.environment().put("HOST", "127.0.0.1");
        try {
            return new ServerProcess(builder.start(), port, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + java, e);
        }
    }

    /** The shipped systemd unit's memory options (its heap and its generations, collector and exit on OutOfMemoryError), not its paths. */
    public static List<String> shippedMemoryOptions() throws IOException {
        String exec = Files.readAllLines(repoRoot().resolve("docs/deploy/dytallix-api.service")).stream()
                .filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        List<String> words = java.util.Arrays.asList(exec.substring("ExecStart=".length()).split("\\s+"));
        List<String> options = words.subList(1, words.indexOf("-jar")).stream()
                .filter(w -> w.startsWith("-Xm") || w.startsWith("-XX:SurvivorRatio=") || w.equals("-XX:+UseSerialGC")
                        || w.equals("-XX:+ExitOnOutOfMemoryError")).toList();
        if (!options.contains("-Xmx128m") || !options.contains("-XX:+ExitOnOutOfMemoryError")) {
            throw new IllegalStateException("the unit's heap or its exit on OutOfMemoryError moved: " + options);
        }
        return options;
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the server exited with " + process.exitValue() + ": " + logTail());
                }
                try {
                    if (http.send(HttpRequest.newBuilder(http.uri("/readyz")).timeout(Duration.ofSeconds(2)).GET()).status() == 200) {
                        return;
                    }
                } catch (UncheckedIOException notYet) {
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
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the server survived SIGKILL");
        }
    }

    /** SIGSTOP: the process is frozen (no thread runs, its sockets and locks stay) until {@link #thaw()}. */
    public void freeze() throws InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #freeze()}. */
    public void thaw() throws InterruptedException {
        signal("CONT");
    }

    /** SIGHUP, as {@code systemctl reload} sends it with the shipped unit. */
    public void hangUp() throws InterruptedException {
        signal("HUP");
    }

    /** The process's id. */
    public long pid() {
        return process.pid();
    }

    /** {@code kill -NAME} to the process (TERM, INT, HUP, …). */
    public void signal(String name) throws InterruptedException {
        try {
            // the shell's own kill: no procps needed
            Process kill = new ProcessBuilder("sh", "-c", "kill -" + name + " " + process.pid()).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal the server", e);
        }
    }

    /** SIGTERM, as a service manager stops it: asks for the graceful stop. */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the process to end; empty if it is still running after {@code within}. */
    public OptionalInt awaitExit(Duration within) throws InterruptedException {
        return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)
                ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
    }

    /** SIGTERM, then the exit status once the process is gone (SIGKILL if it is still there after 20 s). */
    public int stop() throws InterruptedException {
        terminate();
        if (awaitExit(Duration.ofSeconds(20)).isEmpty()) {
            kill9();
        }
        return process.exitValue();
    }

    /** Everything the process (and those before it in this directory) wrote to stdout. */
    public String stdout() throws IOException {
        return Files.readString(stdout);
    }

    public String stderr() throws IOException {
        return Files.readString(stderr);
    }

    /** The end of both outputs, for failure messages. */
    public String logTail() {
        try {
            String text = Files.readString(stdout) + Files.readString(stderr);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        http.close();
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
