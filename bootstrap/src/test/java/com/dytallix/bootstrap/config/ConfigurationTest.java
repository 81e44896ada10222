package com.dytallix.bootstrap.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.Main;
import com.dytallix.domain.Wei;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigurationTest {
    @TempDir
    Path dir;

    @Test
    void laterSourcesWinInTheContractsOrder() throws Exception {
        Files.writeString(dir.resolve("application.yaml"), """
                faucet:
                  drip-amount: 2
                  min-balance: 50
                RATE_LIMIT_PER_IP_PER_DAY: 3
                PORT: 9001
                """);
        Files.writeString(dir.resolve(".env"), """
                # comment
                export FAUCET_MIN_BALANCE=60
                RATE_LIMIT_PER_IP_PER_DAY="4"
                PORT=9002 # trailing comment
                """);
        ConfigSources sources = ConfigSources.load(dir, Map.of("PORT", "9003", "UNRELATED_VAR", "x"), List.of("--port=9004"));
        Settings s = Settings.from(sources.values());
        assertThat(s.dripAmount()).isEqualTo(Wei.ofDyt("2"));           // yaml
        assertThat(s.minBalance()).isEqualTo(Wei.ofDyt("60"));          // .env over yaml
        assertThat(s.perIpPerDay()).isEqualTo(4);                       // .env over yaml, quotes removed
        assertThat(s.port()).isEqualTo(9004);                           // command line over everything
        assertThat(sources.originOf("PORT")).isEqualTo("command line");
        assertThat(sources.warnings()).isEmpty();                       // unrelated environment is not ours to judge
    }

    @Test
    void defaultsMatchTheContract() {
        Settings s = Settings.from(Map.of());
        assertThat(s.port()).isEqualTo(8787);
        assertThat(s.devMode()).isTrue();
        assertThat(s.dripAmount()).isEqualTo(Wei.ofDyt("10"));
        assertThat(s.dailyCap()).isEqualTo(Wei.ofDyt("10000"));
        assertThat(s.perAddressPerDay()).isEqualTo(1);
        assertThat(s.requestsPerMinute()).isEqualTo(100);
        assertThat(s.adminAllowedIps()).hasSize(2);
        assertThat(s.dbPath()).isEqualTo(Path.of("data/dytallix.db"));
        assertThat(s.requestSizeLimit()).isEqualTo(1_048_576);
    }

    @Test
    void theInstanceIsNamedByThisHostAndThePortUnlessInstanceIdNamesIt() throws Exception {
        String host = java.net.InetAddress.getLocalHost().getHostName();
        assertThat(Settings.from(Map.of("PORT", "9005")).instance()).isEqualTo(host + ":9005");
        assertThat(Settings.from(Map.of("PORT", "9005", "INSTANCE_ID", "blue")).instance()).isEqualTo("blue");
    }

    @Test
    void unknownKeysAreWarnedAbout() throws Exception {
        Files.writeString(dir.resolve(".env"), "FAUCET_DRIPP_AMOUNT=5\n");
        ConfigSources sources = ConfigSources.load(dir, Map.of(), List.of("--colour=blue"));
        assertThat(sources.warnings()).anySatisfy(w -> assertThat(w).contains("FAUCET_DRIPP_AMOUNT"))
                .anySatisfy(w -> assertThat(w).contains("COLOUR"));
    }

    @Test
    void everyInvalidValueIsOneLineAndTheExitCodeIsTwo() {
        Result r = run(Map.of(), "check-config", "--PORT=http", "--FAUCET_DRIP_AMOUNT=-1", "--ADMIN_ALLOWED_IPS=10.0.0.0/99",
                "--RPC_URL=ftp://node", "--LOG_LEVEL=loud", "--RPC_MAX_FILTERS_PER_CLIENT=100", "--RPC_MAX_FILTERS=10");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err.lines().toList()).contains(
                        "PORT: must be a whole number, got 'http'",
                        "ADMIN_ALLOWED_IPS: '10.0.0.0/99' is not an IP address or CIDR block",
                        "LOG_LEVEL: must be one of trace, debug, info, warn, error, got 'loud'",
                        "RPC_MAX_FILTERS: must be at least RPC_MAX_FILTERS_PER_CLIENT (100)")
                .anySatisfy(l -> assertThat(l).startsWith("FAUCET_DRIP_AMOUNT: "))
                .anySatisfy(l -> assertThat(l).startsWith("RPC_URL: must be an http:// or https:// URL"));
    }

    @Test
    void aRealNodeNeedsAKeyAndALongAdminToken() {
        Result r = run(Map.of("RPC_URL", "http://127.0.0.1:8545", "ADMIN_TOKEN", "short"), "check-config");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("ADMIN_TOKEN: must be at least 32 characters").contains("FAUCET_PRIVATE_KEY: required when RPC_URL is set");
    }

    @Test
    void secretsAreNeverPrintedEvenWhenInvalid() {
        String key = "ab".repeat(32);
        String token = "t0ken-".repeat(8);
        Result ok = run(Map.of("RPC_URL", "http://127.0.0.1:8545", "FAUCET_PRIVATE_KEY", key, "ADMIN_TOKEN", token), "check-config");
        assertThat(ok.code).isZero();
        assertThat(ok.out).contains("FAUCET_PRIVATE_KEY=****** (set)").doesNotContain(key).doesNotContain(token);
        Result bad = run(Map.of("FAUCET_PRIVATE_KEY", key + "zz"), "check-config");
        assertThat(bad.code).isEqualTo(2);
        assertThat(bad.err).contains("FAUCET_PRIVATE_KEY: must be 64 hex digits").doesNotContain(key);
    }

    /**
     * docs/operations.md's several-nodes list, as `./dyt check-config | grep RPC_URL` shows it: "credentials masked".
     * A hosted node's API key sits in the path or the query, and was printed whole (only a password was masked).
     */
    @Test
    void checkConfigMasksANodesPasswordAndTheApiKeyInItsPathOrQuery() {
        String key = "ab".repeat(32);
        String token = "t0ken-".repeat(8);
        Result r = run(Map.of("RPC_URL", "http://10.0.0.5:8545,http://10.0.0.6:8545/,https://user:s3cret@rpc.example.org/v1/K3Y,"
                + "https://eth.example.net?apikey=Z9Z", "FAUCET_PRIVATE_KEY", key, "ADMIN_TOKEN", token), "check-config");
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).contains("RPC_URL=http://10.0.0.5:8545,http://10.0.0.6:8545/,https://user:******@rpc.example.org/******,"
                + "https://eth.example.net/******    # environment").doesNotContain("s3cret").doesNotContain("K3Y").doesNotContain("Z9Z");
    }

    /**
     * A settings file that is there but cannot be read stops the start (exit 2, like an invalid value). It was a warning
     * and the server ran without it: a production .env (RPC_URL, the key, the token) the service user could not read
     * (operations.md's install copied it root-owned 0600), or one with a byte that is not UTF-8, gave a server on the
     * embedded dev chain on 8787; a malformed application.yaml left every setting in it at its default.
     */
    @Test
    void aSettingsFileThatCannotBeReadStopsTheStartInsteadOfBeingLeftOut() throws Exception {
        byte[] env = "RPC_URL=http://127.0.0.1:8545\n# caf\u00e9 on the third floor\n".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(dir.resolve(".env"), env);
        Result notUtf8 = run(Map.of(), "check-config");
        assertThat(notUtf8.code).as(notUtf8.out).isEqualTo(2);
        assertThat(notUtf8.err).contains(".env: cannot be read (MalformedInputException")
                .contains("the server would run without the settings in it");
        assertThat(notUtf8.out).doesNotContain("configuration is valid");
        Files.delete(dir.resolve(".env"));

        Files.writeString(dir.resolve("application.yaml"), "rate-limit:\n  per-ip-per-day: [3\n");
        Result badYaml = run(Map.of(), "serve", "--PORT=0");
        assertThat(badYaml.code).isEqualTo(2);
        assertThat(badYaml.err).contains("application.yaml: cannot be read (").contains("the server would run without the settings in it");
    }

    @Test
    void checkConfigPrintsEveryDeclaredSettingOnceWithItsOrigin() {
        Result r = run(Map.of("BACKUP_KEEP", "3"), "check-config");
        assertThat(r.code).isZero();
        for (Setting<?> s : Settings.declared()) {
            assertThat(r.out.lines().filter(l -> l.startsWith(s.name() + "="))).as(s.name()).hasSize(1);
        }
        assertThat(r.out).contains("BACKUP_KEEP=3    # environment").contains("PORT=8787    # default");
    }

    @Test
    void everyBadItemOfAListIsItsOwnLine() {
        Result r = run(Map.of(), "check-config", "--TRUSTED_PROXIES=10.0.0.1,nonsense,300.1.1.1",
                "--FRONTEND_ORIGIN=https://ok.example.org,not an origin");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err.lines().toList()).contains(
                "TRUSTED_PROXIES: 'nonsense' is not an IP address or CIDR block",
                "TRUSTED_PROXIES: '300.1.1.1' is not an IP address or CIDR block",
                "FRONTEND_ORIGIN: 'not an origin' is not an origin like https://app.example.org");
    }

    @Test
    void versionAndUnknownCommands() {
        assertThat(run(Map.of(), "version").out).startsWith("dytallix-api ");
        assertThat(run(Map.of(), "frobnicate").code).isEqualTo(2);
    }

    private record Result(int code, String out, String err) {
    }

    private Result run(Map<String, String> env, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, env, dir, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
