package com.dytallix.bootstrap;

import com.dytallix.bootstrap.config.ConfigSources;
import com.dytallix.bootstrap.config.Settings;
import com.dytallix.bootstrap.observability.Observability;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The launcher: {@code serve} (default), {@code migrate}, {@code backup}, {@code restore FILE},
 * {@code prune}, {@code keygen}, {@code check-config}, {@code version}. Exit codes: 0 done, 1 the
 * command failed, 2 invalid configuration or usage.
 */
public final class Main {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        if (isServe(args)) {
            Server.makeServiceRegistry();
        }
        Observability.installLogging();
        if (!isServe(args)) {
            Observability.logToStderr();
        }
        Fatal.install();
        int code = run(args, System.getenv(), Path.of("").toAbsolutePath(), System.out, System.err);
        if (code != OK || !isServe(args)) {
            System.exit(code);
        }
    }

    private static boolean isServe(String[] args) {
        List<String> flags = Arrays.asList(args);
        return (positional(args).isEmpty() || positional(args).getFirst().equals("serve"))
                && !flags.contains("--help") && !flags.contains("--version");
    }

    static List<String> positional(String[] args) {
        return Arrays.stream(args).filter(a -> !a.startsWith("--")).toList();
    }

    /** Runs one command; for {@code serve} returns once the server is up (it stops on SIGTERM/SIGINT). */
    public static int run(String[] args, java.util.Map<String, String> env, Path workDir, PrintStream out, PrintStream err) {
        List<String> positional = positional(args);
        String command = positional.isEmpty() ? "serve" : positional.getFirst();
        if (command.equals("version") || Arrays.asList(args).contains("--version")) {
            out.println("dytallix-api " + Version.current());
            return OK;
        }
        if (command.equals("help") || Arrays.asList(args).contains("--help")) {
            out.println(USAGE_TEXT);
            return OK;
        }
        if (command.equals("keygen")) {
            return Commands.keygen(out);
        }
        List<String> options = Arrays.stream(args).filter(a -> a.startsWith("--")).toList();
        ConfigSources sources = ConfigSources.load(workDir, env, options);
        sources.warnings().forEach(w -> err.println("warning: " + w));
        if (!sources.problems().isEmpty()) {
            sources.problems().forEach(err::println);
            return USAGE;
        }
        Settings settings;
        try {
            settings = Settings.from(sources.values());
        } catch (Settings.InvalidSettingsException e) {
            e.problems().forEach(err::println);
            return USAGE;
        }
        settings = settings.resolvedAgainst(workDir);
        Observability.setLogLevel(settings.logLevel());
        try {
            return switch (command) {
                case "serve" -> Server.start(settings, out, err) != null ? OK : FAILED;
                case "check-config" -> {
                    Settings.describe(sources.values(), sources::originOf).forEach(out::println);
                    out.println("configuration is valid" + (settings.devMode() ? " (development mode: embedded dev chain)" : ""));
                    yield OK;
                }
                case "migrate" -> Commands.migrate(settings, out);
                case "backup" -> Commands.backup(settings, out);
                case "restore" -> {
                    if (positional.size() != 2) {
                        err.println("usage: restore FILE (a backup: dytallix-backup-*.tar.gz, or dytallix-backup-*.dump with PostgreSQL)");
                        yield USAGE;
                    }
                    yield Commands.restore(settings, workDir.resolve(positional.get(1)).toString(), out);
                }
                case "prune" -> Commands.prune(settings, out);
                default -> {
                    err.println("unknown command '" + command + "'\n" + USAGE_TEXT);
                    yield USAGE;
                }
            };
        } catch (StartupException e) {
            err.println(e.getMessage());
            return e.exitCode();
        }
    }

    static final String USAGE_TEXT = """
            usage: dytallix-api [command] [--KEY=value ...]
              serve          start the server (default)
              migrate        apply database migrations and exit (every instance must be stopped)
              backup         write a consistent backup archive to BACKUP_DIR
              restore FILE   replace the database with a backup archive (every instance must be stopped)
              prune          delete finished grants and fingerprints past retention
              keygen         print a new faucet key and its address
              check-config   print the effective configuration (secrets masked) and validate it
              version        print the version""";
}
