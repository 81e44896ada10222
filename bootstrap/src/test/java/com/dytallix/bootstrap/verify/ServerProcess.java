package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code java -jar dytallix-api.jar} in its own working directory, stdout and stderr into files. */
final class ServerProcess implements AutoCloseable {
    record Output(int exitCode, String stdout, String stderr) {
    }

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    final Http http;

    private ServerProcess(Process process, Path stdout, Path stderr, int port) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.http = new Http("http://127.0.0.1:" + port);
    }

    static ServerProcess start(Path workDir, Map<String, String> env) throws Exception {
        Path jar = Path.of(System.getProperty("dytallix.jar", "target/dytallix-api.jar")).toAbsolutePath();
        assertThat(jar).as("the packaged server (mvn package)").isRegularFile();
        String java = ProcessHandle.current().info().command().orElseThrow();
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        Path out = workDir.resolve("stdout.log");
        Path err = workDir.resolve("stderr.log");
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString())
                .directory(workDir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("JAVA_TOOL") || k.startsWith("JDK_JAVA"));
        pb.environment().putAll(env);
        pb.environment().put("HOST", "127.0.0.1");
        pb.environment().put("PORT", Integer.toString(port));
        pb.environment().put("NODE_TIMEOUT_MS", "1000");
        pb.environment().put("RATE_LIMIT_REQUESTS_PER_MINUTE", "100000");
        ServerProcess server = new ServerProcess(pb.start(), out, err, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && server.process.isAlive()) {
            try {
                if (server.http.get("/readyz").status() == 200) {
                    return server;
                }
            } catch (java.io.UncheckedIOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        Output output = server.stop();
        throw new AssertionError("server not ready within 30 s; exit " + output.exitCode() + "\n" + output.stdout() + output.stderr());
    }

    /** SIGTERM, as a service manager stops it; waits for the exit. */
    Output stop() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        return new Output(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            stop();
        }
    }
}
