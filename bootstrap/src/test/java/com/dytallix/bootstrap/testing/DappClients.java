package com.dytallix.bootstrap.testing;

import com.dytallix.adapters.node.AnvilProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The JavaScript libraries dapps use (ethers v6, viem), installed from npm under
 * {@code <repo root>/.tools/dapp-clients} on first use, and a script of this test class path run
 * with Node.js against the relay, as a dapp runs.
 */
public final class DappClients {
    public static final String ETHERS = "ethers@6.17.0";
    public static final String VIEM = "viem@2.57.20";
    private static final Duration NPM_DEADLINE = Duration.ofMinutes(5);

    private DappClients() {
    }

    /** What a script printed (one JSON object a line) and how it ended. */
    public record Run(int exitCode, List<String> lines, String output) {
    }

    /**
     * Runs the class-path resource {@code dapp-clients/<script>} with {@code node}, its
     * arguments after it; the script is placed beside the installed libraries so that its
     * imports resolve. Killed after {@code deadline}.
     */
    public static Run run(String script, Duration deadline, String... args) throws IOException, InterruptedException {
        Path dir = installed();
        Path target = dir.resolve(script);
        try (InputStream in = DappClients.class.getResourceAsStream("/dapp-clients/" + script)) {
            if (in == null) {
                throw new IllegalStateException("no resource dapp-clients/" + script);
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> command = new ArrayList<>(List.of("node", target.toString()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("dapp-clients-", ".log");
        Process node = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!node.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                String output = Files.readString(log);
                return new Run(-1, lines(output), output + "\n(killed after " + deadline.toSeconds() + " s)");
            }
        } finally {
            node.destroyForcibly();
        }
        String output = Files.readString(log);
        Files.deleteIfExists(log);
        return new Run(node.exitValue(), lines(output), output);
    }

    private static List<String> lines(String output) {
        return output.lines().filter(l -> l.startsWith("{")).toList();
    }

    private static synchronized Path installed() throws IOException, InterruptedException {
        Path prefix = AnvilProcess.repoRoot().resolve(".tools/dapp-clients");
        Path marker = prefix.resolve("installed-" + ETHERS + "-" + VIEM);
        if (Files.exists(marker)) {
            return prefix;
        }
        Files.createDirectories(prefix);
        try (FileChannel channel = FileChannel.open(prefix.resolveSibling("dapp-clients.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            if (!Files.exists(marker)) {
                Path npmLog = prefix.resolve("npm-install.log");
                Process npm = new ProcessBuilder("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", prefix.toString(),
                        ETHERS, VIEM).redirectErrorStream(true).redirectOutput(npmLog.toFile()).start();
                if (!npm.waitFor(NPM_DEADLINE.toMinutes(), TimeUnit.MINUTES)) {
                    npm.destroyForcibly();
                    throw new IllegalStateException("npm install " + ETHERS + " " + VIEM + " did not finish in time, see " + npmLog);
                }
                if (npm.exitValue() != 0) {
                    throw new IllegalStateException("npm install " + ETHERS + " " + VIEM + " failed, see " + npmLog);
                }
                Files.writeString(marker, "");
            }
        }
        return prefix;
    }
}
