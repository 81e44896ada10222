package com.dytallix.bootstrap.config;

import com.dytallix.domain.IpRange;
import com.dytallix.domain.Wei;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The server's effective, validated configuration (CONTRACT §2). Built from {@link ConfigSources};
 * every invalid value is reported as one line {@code NAME: what is wrong}.
 */
public record Settings(
        int port,
        String host,
        Optional<URI> rpcUrl,
        Optional<Long> chainId,
        Optional<String> faucetPrivateKey,
        Path faucetKeyFile,
        Wei dripAmount,
        Wei minBalance,
        Wei dailyCap,
        int perIpPerDay,
        int perAddressPerDay,
        int suspiciousAddressesPerIpPerHour,
        int requestsPerMinute,
        Optional<String> adminToken,
        List<IpRange> adminAllowedIps,
        List<IpRange> trustedProxies,
        Duration nodeTimeout,
        Optional<Duration> blockTime,
        int maxConcurrency,
        List<String> rpcAllowedMethods,
        int rpcMaxBatch,
        Path dbPath,
        Path backupDir,
        int backupKeep,
        int retentionGrantsDays,
        int retentionFingerprintsDays,
        long requestSizeLimit,
        List<String> frontendOrigins,
        String logLevel,
        Duration txReplaceAfter,
        Wei maxFeePerGas,
        Duration statusRefresh,
        boolean migrateOnStart,
        Duration devBlockTime,
        String instanceId,
        Duration payerLease) {

    /** Read-only methods a wallet needs, plus sending a transaction the client signed itself. */
    public static final String DEFAULT_RPC_METHODS = String.join(",",
            "eth_chainId", "net_version", "net_listening", "net_peerCount", "web3_clientVersion", "web3_sha3",
            "eth_blockNumber", "eth_getBalance", "eth_getTransactionCount", "eth_getCode", "eth_getStorageAt",
            "eth_call", "eth_estimateGas", "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory",
            "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getBlockTransactionCountByNumber",
            "eth_getBlockTransactionCountByHash", "eth_getTransactionByHash", "eth_getTransactionReceipt",
            "eth_getTransactionByBlockNumberAndIndex", "eth_getTransactionByBlockHashAndIndex", "eth_getLogs",
            "eth_syncing", "eth_protocolVersion", "eth_accounts", "eth_sendRawTransaction");

    static final Map<String, String> DEFAULTS = defaults();
    static final Set<String> KNOWN = DEFAULTS.keySet();
    /** Settings whose values are never printed. */
    public static final Set<String> SECRETS = Set.of("FAUCET_PRIVATE_KEY", "ADMIN_TOKEN");

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("PORT", "8787");
        d.put("HOST", "0.0.0.0");
        d.put("RPC_URL", "");
        d.put("CHAIN_ID", "");
        d.put("FAUCET_PRIVATE_KEY", "");
        d.put("FAUCET_KEY_FILE", "data/faucet.key");
        d.put("FAUCET_DRIP_AMOUNT", "10");
        d.put("FAUCET_MIN_BALANCE", "100");
        d.put("FAUCET_DAILY_CAP", "10000");
        d.put("RATE_LIMIT_PER_IP_PER_DAY", "10");
        d.put("RATE_LIMIT_PER_ADDRESS_PER_DAY", "1");
        d.put("SUSPICIOUS_ADDRESSES_PER_IP_PER_HOUR", "5");
        d.put("RATE_LIMIT_REQUESTS_PER_MINUTE", "100");
        d.put("ADMIN_TOKEN", "");
        d.put("ADMIN_ALLOWED_IPS", "127.0.0.1,::1");
        d.put("TRUSTED_PROXIES", "");
        d.put("NODE_TIMEOUT_MS", "3000");
        d.put("BLOCK_TIME_MS", "");
        d.put("MAX_CONCURRENCY", "20");
        d.put("RPC_ALLOWED_METHODS", DEFAULT_RPC_METHODS);
        d.put("RPC_MAX_BATCH", "100");
        d.put("DB_PATH", "data/dytallix.db");
        d.put("BACKUP_DIR", "backups");
        d.put("BACKUP_KEEP", "7");
        d.put("RETENTION_GRANTS_DAYS", "30");
        d.put("RETENTION_FINGERPRINTS_DAYS", "7");
        d.put("REQUEST_SIZE_LIMIT", "1048576");
        d.put("FRONTEND_ORIGIN", "http://localhost:5173");
        d.put("LOG_LEVEL", "info");
        d.put("TX_REPLACE_AFTER_MS", "30000");
        d.put("MAX_FEE_PER_GAS_GWEI", "500");
        d.put("STATUS_REFRESH_MS", "1000");
        d.put("MIGRATE_ON_START", "true");
        d.put("DEV_BLOCK_TIME_MS", "1000");
        d.put("INSTANCE_ID", "");
        d.put("PAYER_LEASE_MS", "10000");
        return Map.copyOf(d);
    }

    /** Thrown with every problem found, one {@code NAME: what is wrong} line each. */
    public static final class InvalidSettingsException extends RuntimeException {
        private final List<String> problems;

        public InvalidSettingsException(List<String> problems) {
            super(String.join("\n", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    /** The same settings with relative file locations taken from {@code workDir}. */
    public Settings resolvedAgainst(Path workDir) {
        return new Settings(port, host, rpcUrl, chainId, faucetPrivateKey, workDir.resolve(faucetKeyFile), dripAmount,
                minBalance, dailyCap, perIpPerDay, perAddressPerDay, suspiciousAddressesPerIpPerHour, requestsPerMinute,
                adminToken, adminAllowedIps, trustedProxies, nodeTimeout, blockTime, maxConcurrency, rpcAllowedMethods,
                rpcMaxBatch, workDir.resolve(dbPath), workDir.resolve(backupDir), backupKeep, retentionGrantsDays,
                retentionFingerprintsDays, requestSizeLimit, frontendOrigins, logLevel, txReplaceAfter, maxFeePerGas,
                statusRefresh, migrateOnStart, devBlockTime, instanceId, payerLease);
    }

    /** A copy with the admin token set (dev mode generates one). */
    public Settings withAdminToken(String token) {
        return new Settings(port, host, rpcUrl, chainId, faucetPrivateKey, faucetKeyFile, dripAmount,
                minBalance, dailyCap, perIpPerDay, perAddressPerDay, suspiciousAddressesPerIpPerHour, requestsPerMinute,
                Optional.of(token), adminAllowedIps, trustedProxies, nodeTimeout, blockTime, maxConcurrency, rpcAllowedMethods,
                rpcMaxBatch, dbPath, backupDir, backupKeep, retentionGrantsDays,
                retentionFingerprintsDays, requestSizeLimit, frontendOrigins, logLevel, txReplaceAfter, maxFeePerGas,
                statusRefresh, migrateOnStart, devBlockTime, instanceId, payerLease);
    }

    @Override
    public String toString() {
        // never print the secrets, even by accident
        return "Settings[port=" + port + ", rpcUrl=" + rpcUrl + ", dbPath=" + dbPath + ", devMode=" + devMode() + "]";
    }

    /** INSTANCE_ID, or {@code <hostname>:<PORT>} when it is not set. */
    public String instance() {
        if (!instanceId.isBlank()) {
            return instanceId;
        }
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        return host + ":" + port;
    }

    public boolean devMode() {
        return rpcUrl.isEmpty();
    }

    public Path dataDir() {
        Path parent = dbPath.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    public static Settings from(Map<String, String> raw) {
        Parser p = new Parser(raw);
        Settings s = new Settings(
                p.integer("PORT", 0, 65535),
                p.text("HOST"),
                p.optional("RPC_URL", Parser::httpUri),
                p.optional("CHAIN_ID", v -> positiveLong(v)),
                p.optional("FAUCET_PRIVATE_KEY", Parser::keyShape),
                p.path("FAUCET_KEY_FILE"),
                p.dyt("FAUCET_DRIP_AMOUNT", true),
                p.dyt("FAUCET_MIN_BALANCE", false),
                p.dyt("FAUCET_DAILY_CAP", false),
                p.integer("RATE_LIMIT_PER_IP_PER_DAY", 0, 1_000_000),
                p.integer("RATE_LIMIT_PER_ADDRESS_PER_DAY", 0, 1_000_000),
                p.integer("SUSPICIOUS_ADDRESSES_PER_IP_PER_HOUR", 0, 1_000_000),
                p.integer("RATE_LIMIT_REQUESTS_PER_MINUTE", 1, 10_000_000),
                p.optional("ADMIN_TOKEN", Function.identity()),
                p.ranges("ADMIN_ALLOWED_IPS"),
                p.ranges("TRUSTED_PROXIES"),
                Duration.ofMillis(p.integer("NODE_TIMEOUT_MS", 1, 600_000)),
                p.optional("BLOCK_TIME_MS", v -> Duration.ofMillis(positiveLong(v))),
                p.integer("MAX_CONCURRENCY", 1, 10_000),
                p.list("RPC_ALLOWED_METHODS"),
                p.integer("RPC_MAX_BATCH", 1, 10_000),
                p.path("DB_PATH"),
                p.path("BACKUP_DIR"),
                p.integer("BACKUP_KEEP", 1, 10_000),
                p.integer("RETENTION_GRANTS_DAYS", 1, 100_000),
                p.integer("RETENTION_FINGERPRINTS_DAYS", 1, 100_000),
                p.integer("REQUEST_SIZE_LIMIT", 64, Integer.MAX_VALUE),
                p.list("FRONTEND_ORIGIN"),
                p.choice("LOG_LEVEL", "trace", "debug", "info", "warn", "error"),
                Duration.ofMillis(p.integer("TX_REPLACE_AFTER_MS", 1000, 86_400_000)),
                Wei.ofDyt(new java.math.BigDecimal(p.integer("MAX_FEE_PER_GAS_GWEI", 1, 1_000_000_000)).movePointLeft(9)),
                Duration.ofMillis(p.integer("STATUS_REFRESH_MS", 100, 600_000)),
                p.bool("MIGRATE_ON_START"),
                Duration.ofMillis(p.integer("DEV_BLOCK_TIME_MS", 50, 600_000)),
                p.optional("INSTANCE_ID", Function.identity()).orElse(""),
                Duration.ofMillis(p.integer("PAYER_LEASE_MS", 1000, 3_600_000)));
        if (s != null) {
            s.crossCheck(p.problems);
        }
        if (!p.problems.isEmpty()) {
            throw new InvalidSettingsException(p.problems);
        }
        return s;
    }

    private void crossCheck(List<String> problems) {
        if (rpcUrl.isPresent()) {
            if (adminToken.isEmpty()) {
                problems.add("ADMIN_TOKEN: required when RPC_URL is set");
            }
            if (faucetPrivateKey.isEmpty() && !java.nio.file.Files.exists(faucetKeyFile)) {
                problems.add("FAUCET_PRIVATE_KEY: required when RPC_URL is set (or a key file at FAUCET_KEY_FILE " + faucetKeyFile + ")");
            }
        }
        adminToken.filter(t -> t.length() < 32)
                .ifPresent(t -> problems.add("ADMIN_TOKEN: must be at least 32 characters"));
        if (rpcAllowedMethods.isEmpty()) {
            problems.add("RPC_ALLOWED_METHODS: must name at least one method");
        }
        for (String origin : frontendOrigins) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                problems.add("FRONTEND_ORIGIN: '" + origin + "' is not an origin like https://app.example.org");
            }
        }
    }

    private static long positiveLong(String v) {
        long n = Long.parseLong(v);
        if (n <= 0) {
            throw new IllegalArgumentException("must be a positive whole number");
        }
        return n;
    }

    /** The effective configuration as NAME=value lines, secrets masked. */
    public static List<String> describe(Map<String, String> raw, Function<String, String> originOf) {
        List<String> lines = new ArrayList<>();
        raw.keySet().stream().sorted().forEach(k -> {
            String v = raw.get(k);
            String shown = SECRETS.contains(k) && !v.isEmpty() ? "****** (set)" : v;
            lines.add(k + "=" + shown + "    # " + originOf.apply(k));
        });
        return lines;
    }

    private static final class Parser {
        private final Map<String, String> raw;
        private final List<String> problems = new ArrayList<>();

        Parser(Map<String, String> raw) {
            this.raw = raw;
        }

        private String value(String key) {
            return raw.getOrDefault(key, DEFAULTS.get(key)).strip();
        }

        String text(String key) {
            String v = value(key);
            if (v.isEmpty()) {
                problems.add(key + ": must not be empty");
            }
            return v;
        }

        int integer(String key, int min, int max) {
            String v = value(key);
            try {
                int n = Integer.parseInt(v);
                if (n < min || n > max) {
                    problems.add(key + ": must be between " + min + " and " + max + ", got " + v);
                    return min;
                }
                return n;
            } catch (NumberFormatException e) {
                problems.add(key + ": must be a whole number, got '" + printable(key, v) + "'");
                return min;
            }
        }

        boolean bool(String key) {
            String v = value(key).toLowerCase(Locale.ROOT);
            return switch (v) {
                case "true", "yes", "1", "on" -> true;
                case "false", "no", "0", "off" -> false;
                default -> {
                    problems.add(key + ": must be true or false, got '" + v + "'");
                    yield false;
                }
            };
        }

        String choice(String key, String... allowed) {
            String v = value(key).toLowerCase(Locale.ROOT);
            if (!Arrays.asList(allowed).contains(v)) {
                problems.add(key + ": must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
                return allowed[0];
            }
            return v;
        }

        Path path(String key) {
            return Path.of(text(key));
        }

        Wei dyt(String key, boolean positive) {
            String v = value(key);
            try {
                Wei w = Wei.ofDyt(v);
                if (positive && w.value().signum() == 0) {
                    problems.add(key + ": must be greater than 0");
                }
                return w;
            } catch (IllegalArgumentException e) {
                problems.add(key + ": " + e.getMessage() + ", got '" + v + "'");
                return Wei.ZERO;
            }
        }

        List<String> list(String key) {
            return Arrays.stream(value(key).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }

        List<IpRange> ranges(String key) {
            List<IpRange> out = new ArrayList<>();
            for (String item : list(key)) {
                try {
                    out.add(IpRange.parse(item));
                } catch (IllegalArgumentException e) {
                    problems.add(key + ": '" + item + "' is not an IP address or CIDR block");
                }
            }
            return List.copyOf(out);
        }

        <T> Optional<T> optional(String key, Function<String, T> parse) {
            String v = value(key);
            if (v.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(parse.apply(v));
            } catch (IllegalArgumentException e) {
                String why = e instanceof NumberFormatException ? "must be a whole number" : e.getMessage();
                problems.add(key + ": " + why + (SECRETS.contains(key) ? "" : ", got '" + v + "'"));
                return Optional.empty();
            }
        }

        private static String printable(String key, String v) {
            return SECRETS.contains(key) ? "******" : v;
        }

        static URI httpUri(String v) {
            URI uri;
            try {
                uri = URI.create(v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a valid URL");
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("must be an http:// or https:// URL");
            }
            return uri;
        }

        static String keyShape(String v) {
            String hex = v.startsWith("0x") || v.startsWith("0X") ? v.substring(2) : v;
            if (!hex.matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException("must be 64 hex digits (32 bytes), with or without 0x");
            }
            return hex.toLowerCase(Locale.ROOT);
        }
    }
}
