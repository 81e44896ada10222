package com.dytallix.bootstrap.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.Configurator;
import com.dytallix.application.faucet.ChainGuard;
import com.dytallix.domain.grant.LedgerChain;
import com.dytallix.domain.sync.ChainReads;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The logging set up in code ({@link LoggingConfigurator}) as an operator sees it on stdout. */
class JsonLoggingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private static final String TX = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060";

    private final Logger log = LoggerFactory.getLogger("dytallix.test.logging");

    @BeforeAll
    static void routeJavaLogging() {
        Observability.installLogging();
    }

    @AfterEach
    void restore() {
        MDC.clear();
        Observability.setLogLevel("info");
    }

    @Test
    void eachEventIsOneJsonLineWithTheRequestFieldsFromTheMdc() throws Exception {
        List<JsonNode> lines = capture(() -> {
            MDC.put("requestId", "req-42");
            MDC.put("clientIp", "203.0.113.7");
            MDC.put("method", "POST");
            MDC.put("path", "/api/rpc");
            MDC.put("status", "504");
            MDC.put("durationMs", "3001.250");
            MDC.put("errorCode", "RPC_TIMEOUT");
            log.warn("RPC_TIMEOUT 504: the node did not answer within 3000 ms");
        });

        assertThat(lines).hasSize(1);
        JsonNode line = lines.get(0);
        assertThat(line.get("time").asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
        assertThat(line.get("level").asText()).isEqualTo("WARN");
        assertThat(line.get("logger").asText()).isEqualTo("dytallix.test.logging");
        assertThat(line.get("message").asText()).isEqualTo("RPC_TIMEOUT 504: the node did not answer within 3000 ms");
        assertThat(line.get("requestId").asText()).isEqualTo("req-42");
        assertThat(line.get("clientIp").asText()).isEqualTo("203.0.113.7");
        assertThat(line.get("method").asText()).isEqualTo("POST");
        assertThat(line.get("path").asText()).isEqualTo("/api/rpc");
        assertThat(line.get("status").isIntegralNumber()).isTrue();
        assertThat(line.get("status").asInt()).isEqualTo(504);
        assertThat(line.get("durationMs").isNumber()).isTrue();
        assertThat(line.get("durationMs").asDouble()).isEqualTo(3001.25);
        assertThat(line.get("errorCode").asText()).isEqualTo("RPC_TIMEOUT");
        assertThat(line.has("stackTrace")).isFalse();
    }

    @Test
    void theAccessLineHasTheFieldsValuesAndOrderOfEveryOtherLine() throws Exception {
        String message = "GET /api/x \"quoted\" back\\slash tab\t nul\u0001 é ✓";
        List<JsonNode> lines = capture(() -> {
            MDC.put("requestId", "req-44");
            MDC.put("clientIp", "203.0.113.8");
            MDC.put("method", "GET");
            MDC.put("path", "/api/status");
            MDC.put("status", "429");
            MDC.put("durationMs", "0.007");
            MDC.put("odd", "007");
            LoggerFactory.getLogger("access").warn(message);
            accessAppender().flush();
            log.warn(message);
        });

        assertThat(lines).hasSize(2);
        JsonNode access = lines.get(0);
        JsonNode other = lines.get(1);
        assertThat(access.get("logger").asText()).isEqualTo("access");
        assertThat(access.get("time").asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
        List<String> accessFields = new ArrayList<>();
        access.fieldNames().forEachRemaining(accessFields::add);
        List<String> otherFields = new ArrayList<>();
        other.fieldNames().forEachRemaining(otherFields::add);
        assertThat(accessFields).isEqualTo(otherFields);
        for (String field : accessFields) {
            if (!field.equals("logger") && !field.equals("time")) {
                assertThat(access.get(field)).as(field).isEqualTo(other.get(field));
            }
        }
        assertThat(access.get("message").asText()).isEqualTo(message);
        assertThat(access.get("status").isIntegralNumber()).isTrue();
        assertThat(access.get("odd").isTextual()).isTrue();
    }

    @Test
    void theAccessLogWritesTheLineOfAnAccessEventWithTheRequestsFieldsInItsMdcWithoutMakingOne() throws Exception {
        List<String> observed = new ArrayList<>();
        var accessLog = AccessLog.around((method, route, status, nanos, requestId, clientIp) ->
                observed.add(method + " " + route + " " + status + " " + nanos + " " + requestId + " " + clientIp));
        List<JsonNode> lines = capture(() -> {
            MDC.put("requestId", "req-45");
            MDC.put("clientIp", "2001:db8::7");
            accessLog.completed("POST", "/api/faucet", 403, 1_234_567, "req-45", "2001:db8::7");
            accessLog.completed("POST", "/api/rpc", 504, 3_001_250_000L, "req-45", "2001:db8::7");
            accessAppender().flush();
            // the same request as an event of the access logger, its fields in the MDC: what logback would write
            MDC.put("method", "POST");
            MDC.put("path", "/api/faucet");
            MDC.put("status", "403");
            MDC.put("durationMs", "1.234");
            LoggerFactory.getLogger("access").info("POST /api/faucet 403");
        });

        assertThat(observed).as("the metrics behind it").containsExactly("POST /api/faucet 403 1234567 req-45 2001:db8::7",
                "POST /api/rpc 504 3001250000 req-45 2001:db8::7");
        assertThat(lines).hasSize(3);
        JsonNode written = lines.get(0);
        JsonNode event = lines.get(2);
        List<String> writtenFields = new ArrayList<>();
        written.fieldNames().forEachRemaining(writtenFields::add);
        List<String> eventFields = new ArrayList<>();
        event.fieldNames().forEachRemaining(eventFields::add);
        assertThat(writtenFields).isEqualTo(eventFields)
                .contains("time", "level", "logger", "thread", "message", "requestId", "clientIp", "method", "path", "status",
                        "durationMs");
        for (String field : writtenFields) {
            if (!field.equals("time")) {
                assertThat(written.get(field)).as(field).isEqualTo(event.get(field));
            }
        }
        assertThat(written.get("logger").asText()).isEqualTo("access");
        assertThat(written.get("level").asText()).isEqualTo("INFO");
        assertThat(written.get("status").isIntegralNumber()).isTrue();
        assertThat(written.get("durationMs").decimalValue()).isEqualByComparingTo("1.234");
        JsonNode failed = lines.get(1);
        assertThat(failed.get("level").asText()).as("a 5xx is a warning").isEqualTo("WARN");
        assertThat(failed.get("message").asText()).isEqualTo("POST /api/rpc 504");
        assertThat(failed.get("durationMs").decimalValue()).isEqualByComparingTo("3001.250");

        Observability.setLogLevel("warn");
        List<JsonNode> quiet = capture(() -> {
            accessLog.completed("GET", "/healthz", 200, 5_000, "req-46", "203.0.113.9");
            accessLog.completed("GET", "/api/status", 503, 5_000, "req-47", "203.0.113.9");
        });
        assertThat(quiet).as("LOG_LEVEL applies").extracting(l -> l.get("message").asText()).containsExactly("GET /api/status 503");
        assertThat(observed).as("metrics whatever the level").hasSize(4);
    }

    /**
     * An answer given before routing has the access line of any other, with what the edge knew and the
     * error code; the same line logback would write for the event, and still one JSON line whatever
     * the client's bytes held (the edge escapes them; a quote or backslash left is JSON-escaped here).
     */
    @Test
    void anAnswerGivenBeforeRoutingHasTheSameAccessLineWithItsErrorCode() throws Exception {
        List<String> counted = new ArrayList<>();
        var accessLog = AccessLog.around(new com.dytallix.adapters.http.RequestObserver() {
            @Override
            public void completed(String method, String route, int status, long nanos, String requestId, String clientIp) {
                counted.add("completed " + route);
            }

            @Override
            public void refused(String method, String path, int status, String code, String requestId, String clientIp) {
                counted.add("refused " + method + " " + path + " " + status + " " + code);
            }
        });
        String hostilePath = "/%1B[31m\"}\\%0A{\"logger\":\"access\"}";
        List<JsonNode> lines = capture(() -> {
            accessLog.refused("GET", hostilePath, 414, "INVALID_REQUEST", "req-50", "203.0.113.7");
            accessLog.refused("-", "-", 503, "SERVER_BUSY", "req-51", "198.51.100.2");
            accessAppender().flush();
            // the same as an event of the access logger, its fields in the MDC: what logback would write
            MDC.put("requestId", "req-50");
            MDC.put("clientIp", "203.0.113.7");
            MDC.put("method", "GET");
            MDC.put("path", hostilePath);
            MDC.put("status", "414");
            MDC.put("durationMs", "0.000");
            MDC.put("errorCode", "INVALID_REQUEST");
            LoggerFactory.getLogger("access").info("GET " + hostilePath + " 414 INVALID_REQUEST before routing");
            MDC.clear();
            accessLog.refused("GET", "/api/status", 505, "INVALID_REQUEST", "req-52", "203.0.113.8");
        });

        assertThat(counted).as("the metrics behind it, told as refused").containsExactly(
                "refused GET " + hostilePath + " 414 INVALID_REQUEST", "refused - - 503 SERVER_BUSY",
                "refused GET /api/status 505 INVALID_REQUEST");
        assertThat(lines).hasSize(4);
        JsonNode written = lines.get(0);
        JsonNode event = lines.get(2);
        List<String> writtenFields = new ArrayList<>();
        written.fieldNames().forEachRemaining(writtenFields::add);
        List<String> eventFields = new ArrayList<>();
        event.fieldNames().forEachRemaining(eventFields::add);
        assertThat(writtenFields).isEqualTo(eventFields).contains("requestId", "clientIp", "method", "path", "status", "durationMs",
                "errorCode");
        for (String field : writtenFields) {
            if (!field.equals("time")) {
                assertThat(written.get(field)).as(field).isEqualTo(event.get(field));
            }
        }
        assertThat(written.get("path").asText()).isEqualTo(hostilePath);
        assertThat(written.get("logger").asText()).isEqualTo("access");
        assertThat(written.get("status").asInt()).isEqualTo(414);
        assertThat(written.get("errorCode").asText()).isEqualTo("INVALID_REQUEST");
        JsonNode busy = lines.get(1);
        assertThat(busy.get("level").asText()).as("the server full is the server's state: a warning").isEqualTo("WARN");
        assertThat(busy.get("message").asText()).isEqualTo("- - 503 SERVER_BUSY before routing");
        assertThat(busy.get("clientIp").asText()).isEqualTo("198.51.100.2");
        assertThat(busy.get("requestId").asText()).isEqualTo("req-51");
        assertThat(busy.get("method").asText()).isEqualTo("-");
        assertThat(busy.get("path").asText()).isEqualTo("-");
        JsonNode http10 = lines.get(3);
        assertThat(http10.get("message").asText()).isEqualTo("GET /api/status 505 INVALID_REQUEST before routing");
        assertThat(http10.get("level").asText()).as("HTTP/1.0's 505 is the client's doing, logged like a 4xx").isEqualTo("INFO");
    }

    @Test
    void theAccessLinesDurationIsMillisecondsWithThreeDecimals() {
        assertThat(AccessLog.millis(42_000)).isEqualTo("0.042");
        assertThat(AccessLog.millis(3_001_250_000L)).isEqualTo("3001.250");
        assertThat(AccessLog.millis(1_234_567)).isEqualTo("1.234");
        assertThat(AccessLog.millis(5_000)).isEqualTo("0.005");
        assertThat(AccessLog.millis(-1)).isEqualTo("0.000");
    }

    @Test
    void aStatusOrDurationThatIsNotAPlainNumberStaysTextAndTheLineStaysJson() throws Exception {
        for (String odd : List.of("5x", "007", "1.2.3", ".5", "1e9", "-1", "")) {
            List<JsonNode> lines = capture(() -> {
                MDC.put("status", odd);
                MDC.put("durationMs", odd);
                log.info("odd");
            });
            assertThat(lines).as(odd).hasSize(1);
            assertThat(lines.get(0).get("status").isTextual()).as(odd).isTrue();
            assertThat(lines.get(0).get("durationMs").asText()).isEqualTo(odd);
        }
    }

    @Test
    void theAccessLogIsOneJsonLinePerRequestWithTheSameFields() throws Exception {
        List<JsonNode> lines = capture(() -> {
            MDC.put("requestId", "req-43");
            MDC.put("clientIp", "2001:db8::1");
            MDC.put("method", "GET");
            MDC.put("path", "/api/faucet/grants/{grantId}");
            MDC.put("status", "200");
            MDC.put("durationMs", "0.042");
            LoggerFactory.getLogger("access").info("GET /api/faucet/grants/{grantId} 200");
        });

        assertThat(lines).hasSize(1);
        JsonNode line = lines.get(0);
        assertThat(line.get("logger").asText()).isEqualTo("access");
        assertThat(line.get("level").asText()).isEqualTo("INFO");
        assertThat(line.get("message").asText()).isEqualTo("GET /api/faucet/grants/{grantId} 200");
        assertThat(line.get("requestId").asText()).isEqualTo("req-43");
        assertThat(line.get("clientIp").asText()).isEqualTo("2001:db8::1");
        assertThat(line.get("status").isIntegralNumber()).isTrue();
        assertThat(line.get("durationMs").asDouble()).isEqualTo(0.042);

        Observability.setLogLevel("WARN");
        assertThat(capture(() -> LoggerFactory.getLogger("access").info("GET /healthz 200"))).as("LOG_LEVEL applies").isEmpty();
    }

    @Test
    void aStackTraceAppearsOnlyWhenAnExceptionIsLoggedAndStaysOnTheLine() throws Exception {
        List<JsonNode> lines = capture(() -> {
            log.error("unexpected failure", new IllegalStateException("disk full"));
            log.error("expected failure, no exception attached");
        });

        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("stackTrace").asText()).contains("java.lang.IllegalStateException: disk full")
                .contains("JsonLoggingTest");
        assertThat(lines.get(1).has("stackTrace")).isFalse();
    }

    @Test
    void privateKeysAndTokensAreMaskedWhereverTheyAppear() throws Exception {
        List<JsonNode> lines = capture(() -> {
            log.info("loaded key {}", KEY);
            log.info("loaded key 0x{}", KEY);
            log.info("request headers: Authorization: Bearer s3cr3t-admin-token-value-0123456789abcdef");
            log.info("config ADMIN_TOKEN=s3cr3t-admin-token-value-0123456789abcdef");
            log.info("rotate body {\"newKey\": \"not-even-hex-but-secret\"}");
            MDC.put("path", "/x/" + KEY);
            log.warn("bad input", new IllegalArgumentException("invalid key 0x" + KEY.toUpperCase()));
            MDC.clear();
            log.info("sent txHash={} and tx {}", TX, TX);
        });

        String all = lines.toString();
        assertThat(all).doesNotContain(KEY).doesNotContainIgnoringCase(KEY)
                .doesNotContain("s3cr3t-admin-token").doesNotContain("not-even-hex-but-secret");
        assertThat(lines.get(0).get("message").asText()).isEqualTo("loaded key ****");
        assertThat(lines.get(1).get("message").asText()).isEqualTo("loaded key ****");
        assertThat(lines.get(2).get("message").asText()).isEqualTo("request headers: Authorization: Bearer ****");
        assertThat(lines.get(3).get("message").asText()).isEqualTo("config ADMIN_TOKEN=****");
        assertThat(lines.get(4).get("message").asText()).isEqualTo("rotate body {\"newKey\": \"****\"}");
        assertThat(lines.get(5).get("path").asText()).isEqualTo("/x/****");
        assertThat(lines.get(5).get("stackTrace").asText()).contains("invalid key ****");
        // Transaction hashes have a key's shape; written as the logs write them, they stay readable.
        assertThat(lines.get(6).get("message").asText()).isEqualTo("sent txHash=" + TX + " and tx " + TX);
    }

    /**
     * A chain reset's lines name the genesis hashes the operator adopts with, and the ERROR line's command runs as
     * copied: a hash has a key's shape and was masked ("the node's genesis block is ****", "-d '{"genesis": "****"}'",
     * "Bearer ****" for the shell's {@code $ADMIN_TOKEN}), which left the operator the pause reason only.
     */
    @Test
    void aChainResetsLinesShowTheGenesisHashesAndARunnableAdoptCommand() throws Exception {
        String ledgers = "0x3bfaf57ab682e1f18f0d358e437fd8b4eb6993ea4b926c2fcb16d5df840d4278";
        String nodes = "0x071b723693e92666dc1d39ae07ebd3ace3bbae9488d9c03c4c3ae9c5fc942ff7";
        ChainReads node = (ChainReads) Proxy.newProxyInstance(ChainReads.class.getClassLoader(), new Class<?>[] {ChainReads.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "blockHash" -> Optional.of(nodes);
                    case "consistent" -> proxy;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        AtomicReference<String> recorded = new AtomicReference<>(ledgers);
        LedgerChain ledger = new LedgerChain() {
            @Override
            public Optional<String> genesis() {
                return Optional.of(recorded.get());
            }

            @Override
            public String recordGenesis(String genesis, Instant at) {
                return recorded.get();
            }

            @Override
            public Adoption adoptChain(String previous, String adopted, String reason, Instant at) {
                recorded.set(adopted);
                return new Adoption(true, 1, 2);
            }

            @Override
            public List<com.dytallix.domain.grant.Grant> leftInFlight(com.dytallix.domain.Address from, long fromNonce) {
                return List.of();
            }

            @Override
            public boolean carryOver(com.dytallix.domain.GrantId id, Instant at) {
                return false;
            }
        };
        ChainGuard guard = new ChainGuard(node, ledger, Clock.systemUTC());

        List<JsonNode> lines = capture(() -> {
            guard.check();
            guard.adopt(nodes);
        });

        List<String> messages = lines.stream().filter(l -> l.get("logger").asText().endsWith("ChainGuard"))
                .map(l -> l.get("message").asText()).toList();
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0)).contains(nodes, ledgers).doesNotContain("****")
                .contains("-H \"Authorization: Bearer $ADMIN_TOKEN\"", "-d '{\"genesis\": \"" + nodes + "\"}'");
        assertThat(messages.get(1)).contains(nodes, ledgers).doesNotContain("****");
        assertThat(messages.get(2)).contains(nodes).doesNotContain("****");

        // the embedded dev chain's new chain, adopted at start, names the ledger's previous one too
        recorded.set(ledgers);
        List<String> devStart = capture(guard::adoptAtStart).stream().filter(l -> l.get("logger").asText().endsWith("ChainGuard"))
                .map(l -> l.get("message").asText()).toList();
        assertThat(devStart.getFirst()).startsWith("the embedded dev chain is new").contains(nodes, ledgers).doesNotContain("****");

        // what stays masked: a token that merely starts like the variable, a key after any other word
        List<JsonNode> others = capture(() -> {
            log.info("Authorization: Bearer $ADMIN_TOKEN-s3cr3t-0123456789abcdef0123");
            log.info("the genesis key: {}", KEY);
        });
        assertThat(others.toString()).doesNotContain("s3cr3t").doesNotContain(KEY);
    }

    @Test
    void setLogLevelChangesWhatIsWrittenAtRunTime() throws Exception {
        Observability.setLogLevel("WARN");
        List<JsonNode> quiet = capture(() -> {
            log.info("hidden info");
            log.warn("shown warning");
        });
        assertThat(quiet).extracting(l -> l.get("message").asText()).containsExactly("shown warning");

        Observability.setLogLevel("debug");
        List<JsonNode> verbose = capture(() -> log.debug("shown debug"));
        assertThat(verbose).extracting(l -> l.get("message").asText()).containsExactly("shown debug");

        assertThatThrownBy(() -> Observability.setLogLevel("verbose"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("LOG_LEVEL:");
    }

    @Test
    void javaUtilLoggingAndSystemLoggerComeOutAsJsonLines() throws Exception {
        List<JsonNode> lines = capture(() -> {
            java.util.logging.Logger.getLogger("dytallix.test.jul").info("from jul");
            System.getLogger("dytallix.test.platform").log(System.Logger.Level.WARNING, "from {0}", "system logger");
        });

        assertThat(lines).extracting(l -> l.get("logger").asText() + " " + l.get("level").asText() + " "
                        + l.get("message").asText())
                .containsExactly("dytallix.test.jul INFO from jul", "dytallix.test.platform WARN from system logger");
    }

    /**
     * A nonce or a count in a line is the number as the ledger and an explorer write it, under any
     * default locale: MessageFormat, which the bridges used, grouped its digits ("1,234,567", and
     * "1.234.567" under a German locale).
     */
    @Test
    void numbersInAMessagesParametersAreWrittenPlainWhateverTheLocale() throws Exception {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.GERMANY);
        try {
            List<JsonNode> lines = capture(() -> {
                System.getLogger("dytallix.test.platform").log(System.Logger.Level.WARNING,
                        "nonce {0} of {1}: {2} transfers, {3} wei, {4} DYT, {5}", 1_234_567L, "0xabc", 12_345,
                        new java.math.BigInteger("1000000000000000000000"), new java.math.BigDecimal("1E+3"), 0.5);
                java.util.logging.Logger.getLogger("dytallix.test.jul").log(java.util.logging.Level.WARNING,
                        "block {0}, {1} ranges, {2,number,0.00} s", new Object[] {9_876_543L, 2048, 1.5});
            });

            assertThat(lines).extracting(l -> l.get("message").asText()).containsExactly(
                    "nonce 1234567 of 0xabc: 12345 transfers, 1000000000000000000000 wei, 1000 DYT, 0.5",
                    "block 9876543, 2048 ranges, 1.50 s");
        } finally {
            Locale.setDefault(before);
        }
    }

    /** A message that is no pattern is logged with its parameters; the bridge used to throw into the caller. */
    @Test
    void aMessageThatIsNoPatternIsLoggedAsGivenWithItsParameters() throws Exception {
        List<JsonNode> lines = capture(() ->
                System.getLogger("dytallix.test.platform").log(System.Logger.Level.WARNING, "not a pattern {oops {0}", 4096));

        assertThat(lines).extracting(l -> l.get("message").asText()).containsExactly("not a pattern {oops {0} [4096]");
    }

    @Test
    void theStartLevelComesFromLogLevel() {
        LoggerContext context = new LoggerContext();
        context.putProperty("LOG_LEVEL", "error");
        try {
            assertThat(new LoggingConfigurator().configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.ERROR);
            assertThat(context.getLogger("access").isAdditive()).isFalse();
        } finally {
            context.stop();
            // Its LevelChangePropagator set the (process-wide) java.util.logging root to SEVERE.
            java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.INFO);
        }
    }

    @Test
    void anOperatorsOwnLogbackFileReplacesTheBuiltInSetUpAndCanUseTheSameLines() throws Exception {
        LoggerContext context = new LoggerContext();
        String previous = System.setProperty(LoggingConfigurator.CONFIGURATION_FILE, "/etc/dytallix-api/logback.xml");
        try {
            assertThat(new LoggingConfigurator().configure(context)).as("logback goes on to read the named file")
                    .isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
        } finally {
            if (previous == null) {
                System.clearProperty(LoggingConfigurator.CONFIGURATION_FILE);
            } else {
                System.setProperty(LoggingConfigurator.CONFIGURATION_FILE, previous);
            }
        }
        // the example of docs/operations.md: the same lines, masked, and one logger more talkative
        String xml = """
                <configuration>
                    <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder class="com.dytallix.bootstrap.observability.JsonLineEncoder"/>
                    </appender>
                    <logger name="com.dytallix.application.faucet" level="debug"/>
                    <root level="info"><appender-ref ref="STDOUT"/></root>
                </configuration>
                """;
        context.setMDCAdapter(((LoggerContext) LoggerFactory.getILoggerFactory()).getMDCAdapter());
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(context);
        joran.doConfigure(new java.io.ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        try {
            List<JsonNode> lines = capture(() -> {
                context.getLogger("com.dytallix.application.faucet.X").debug("key {}", KEY);
                context.getLogger("com.dytallix.other").debug("hidden");
            });
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0).get("message").asText()).isEqualTo("key ****");
            assertThat(lines.get(0).get("level").asText()).isEqualTo("DEBUG");
        } finally {
            context.stop();
        }
    }

    @Test
    void aNullMessageOrMdcValueLeavesItsFieldOut() throws Exception {
        List<JsonNode> lines = capture(() -> {
            MDC.put("requestId", null);
            log.info(null);
        });
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0).has("message")).isFalse();
        assertThat(lines.get(0).has("requestId")).isFalse();
    }

    /** Runs {@code body} with stdout captured; every captured line must be a JSON object. */
    private static BatchedConsoleAppender<?> accessAppender() {
        var access = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("access");
        return (BatchedConsoleAppender<?>) access.getAppender("ACCESS");
    }

    @Test
    void accessLinesGoOutTogetherWithinTheFlushPeriodWholeAndInOrder() throws Exception {
        PrintStream original = System.out;
        java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        java.io.OutputStream counting = new java.io.OutputStream() {
            @Override
            public synchronized void write(int b) {
                writes.incrementAndGet();
                buffer.write(b);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                writes.incrementAndGet();
                buffer.write(b, off, len);
            }
        };
        System.setOut(new PrintStream(counting, true, StandardCharsets.UTF_8));
        try {
            for (int i = 0; i < 200; i++) {
                MDC.put("requestId", "req-" + i);
                LoggerFactory.getLogger("access").info("POST /api/rpc 200");
            }
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
            while (buffer.toString(StandardCharsets.UTF_8).split("\n").length < 200 && System.nanoTime() < deadline) {
                Thread.sleep(20); // no flush by hand: the appender's own period
            }
        } finally {
            System.setOut(original);
        }
        String[] lines = buffer.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(200);
        for (int i = 0; i < 200; i++) {
            assertThat(JSON.readTree(lines[i]).get("requestId").asText()).isEqualTo("req-" + i);
        }
        assertThat(writes.get()).as("writes for 200 lines").isLessThan(20);
    }

    @Test
    void theBatchKeepsEachLineWholeAndLeavesStandardOutputOpen() throws Exception {
        List<String> writes = new ArrayList<>();
        java.io.OutputStream recording = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                writes.add(String.valueOf((char) b));
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(new String(b, off, len, StandardCharsets.UTF_8));
            }

            @Override
            public void close() {
                writes.add("closed");
            }
        };
        BatchedConsoleAppender.Lines lines = new BatchedConsoleAppender.Lines(recording, 16);
        lines.write("aaaaa\n".getBytes(StandardCharsets.UTF_8));
        lines.write("bbbbb\n".getBytes(StandardCharsets.UTF_8));
        assertThat(writes).isEmpty();
        lines.write("ccccc\n".getBytes(StandardCharsets.UTF_8)); // would not fit: the two before go first
        lines.write("a line longer than the buffer\n".getBytes(StandardCharsets.UTF_8));
        lines.close();
        assertThat(writes).containsExactly("aaaaa\nbbbbb\n", "ccccc\n", "a line longer than the buffer\n");
    }

    private static List<JsonNode> capture(Runnable body) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            accessAppender().flush(); // the access log's lines wait up to 100 ms to go out together
            System.out.flush();
            System.setOut(original);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : buffer.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) {
                JsonNode node = JSON.readTree(line);
                assertThat(node.isObject()).as("a JSON object per line: %s", line).isTrue();
                lines.add(node);
            }
        }
        return lines;
    }
}
