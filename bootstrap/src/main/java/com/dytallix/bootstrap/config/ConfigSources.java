package com.dytallix.bootstrap.config;

import io.helidon.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Collects raw settings in the contract's order, later wins: built-in defaults, application.yaml,
 * .env in the working directory, environment variables, command-line {@code --key=value}. Every
 * key is normalised to the contract's upper-case name ({@code faucet.drip-amount} and
 * {@code FAUCET_DRIP_AMOUNT} are the same setting).
 */
public final class ConfigSources {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> origin = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private ConfigSources() {
    }

    public static ConfigSources load(Path workDir, Map<String, String> environment, List<String> args) {
        ConfigSources s = new ConfigSources();
        Settings.declared().forEach(d -> s.put(d.name(), d.defaultValue(), "default", false));
        s.loadYaml(workDir.resolve("application.yaml"));
        s.loadDotEnv(workDir.resolve(".env"));
        // Only our own names are taken from the environment: it holds plenty of unrelated variables.
        environment.forEach((k, v) -> {
            if (Settings.declared(k).isPresent()) {
                s.put(k, v, "environment", false);
            }
        });
        for (String arg : args) {
            if (!arg.startsWith("--")) {
                continue;
            }
            int eq = arg.indexOf('=');
            if (eq < 3) {
                s.warnings.add("ignoring command-line argument '" + arg + "': expected --key=value");
                continue;
            }
            s.put(normalise(arg.substring(2, eq)), arg.substring(eq + 1), "command line", true);
        }
        return s;
    }

    public static String normalise(String key) {
        return key.strip().replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }

    private void put(String key, String value, String source, boolean warnUnknown) {
        if (Settings.declared(key).isEmpty()) {
            if (warnUnknown) {
                warnings.add("unknown setting " + key + " (from " + source + ") is ignored");
            }
            return;
        }
        values.put(key, value == null ? "" : value.strip());
        origin.put(key, source);
    }

    private void loadYaml(Path file) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            Config yaml = Config.builder()
                    .disableEnvironmentVariablesSource()
                    .disableSystemPropertiesSource()
                    .sources(io.helidon.config.ConfigSources.file(file))
                    .build();
            yaml.asMap().orElse(Map.of()).forEach((k, v) -> put(normalise(k), v, "application.yaml", true));
        } catch (RuntimeException e) {
            problems.add("application.yaml: cannot be read (" + why(e) + "): the server would run without the settings in it");
        }
    }

    private void loadDotEnv(Path file) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            problems.add(".env: cannot be read (" + why(e) + "): the server would run without the settings in it");
            return;
        }
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring(7).strip();
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                warnings.add(".env line " + n + " is not KEY=VALUE and is ignored");
                continue;
            }
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            } else {
                int comment = value.indexOf(" #");
                if (comment >= 0) {
                    value = value.substring(0, comment).strip();
                }
            }
            put(normalise(line.substring(0, eq)), value, ".env", true);
        }
    }

    public Map<String, String> values() {
        return Map.copyOf(values);
    }

    public String originOf(String key) {
        return origin.getOrDefault(key, "default");
    }

    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /**
     * A settings file that is there but cannot be read (its owner or mode, as after {@code sudo cp} of a 0600 file
     * the service user does not own) or parsed: each stops the start like an invalid value, since the server would
     * otherwise run without the settings in it — with no RPC_URL, on the embedded dev chain.
     */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    private static String why(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof IOException)) {
            cause = cause.getCause();
        }
        return cause instanceof java.nio.file.AccessDeniedException
                ? "permission denied: make it readable by the user the server runs as, " + System.getProperty("user.name")
                : cause.getMessage() != null ? cause.getClass().getSimpleName() + ": " + cause.getMessage() : cause.getClass().getSimpleName();
    }
}
