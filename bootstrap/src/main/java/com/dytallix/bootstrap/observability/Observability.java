package com.dytallix.bootstrap.observability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import com.dytallix.application.status.StatusSnapshot;
import com.dytallix.adapters.persistence.Persistence;
import com.dytallix.adapters.node.SharedReads;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import com.dytallix.domain.sync.UpstreamHealth;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** Logging and metrics set-up for the process: what bootstrap calls once at start. */
public final class Observability {
    /**
     * Micrometer meters whose Prometheus names `promtool check metrics` rejects (abbreviated unit
     * "ns"/"ms", a gauge ending in _count). process_cpu_seconds_total replaces the CPU time one.
     */
    private static final Set<String> LINT_FAILING = Set.of("process.cpu.time", "system.cpu.count",
            "jvm.compilation.time");
    private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");

    private Observability() {
    }

    /**
     * Routes java.util.logging into SLF4J/logback ({@link JavaLoggingBridge}), whose first logger sets
     * logging up ({@link LoggingConfigurator}). System.Logger (the server's and Helidon's) reaches
     * SLF4J through {@link SystemLoggers}, which the JDK finds on the class path, without a call.
     */
    public static synchronized void installLogging() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            java.util.logging.LogManager.getLogManager().getLogger("").addHandler(new JavaLoggingBridge());
        }
    }

    /**
     * For a one-shot command ({@code migrate}, {@code backup}, {@code prune}, …): its stdout is its answer, which
     * scripts and the runbook read, so the log lines (the connection pool's start and stop among them) go to stderr.
     * An operator's own logback XML is left as it is.
     */
    public static void logToStderr() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                && context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(LoggingConfigurator.CONSOLE)
                instanceof ConsoleAppender<ILoggingEvent> console) {
            // stopping closes the appender's wrapper of the stream, never System.out itself
            console.stop();
            console.setTarget("System.err");
            console.start();
        }
    }

    /**
     * Sets the root log level at run time (logback's LevelChangePropagator passes it on to
     * java.util.logging, so Helidon's debug lines are produced only when wanted).
     *
     * @param level trace, debug, info, warn or error, in any case
     * @throws IllegalArgumentException for anything else
     */
    public static void setLogLevel(String level) {
        String name = level == null ? "" : level.trim().toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(name)) {
            throw new IllegalArgumentException("LOG_LEVEL: must be one of trace, debug, info, warn, error");
        }
        if (!(LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root)) {
            throw new IllegalStateException("logback is not the SLF4J provider on the class path");
        }
        root.setLevel(Level.toLevel(name));
    }

    /** The registry GET /metrics serves, with JVM and process meters already bound. */
    public static PrometheusMeterRegistry createRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(MeterFilter.deny(id -> LINT_FAILING.contains(id.getName())));
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            FunctionCounter.builder("process.cpu", sun, b -> b.getProcessCpuTime() / 1e9)
                    .description("CPU time used by the process, in seconds")
                    .baseUnit("seconds")
                    .register(registry);
        }
        return registry;
    }

    /**
     * Gauges that read the status snapshot at scrape time, so they are exactly as fresh as
     * /api/status. Values the node has never told us are NaN, which no threshold alert matches.
     */
    public static void registerGauges(MeterRegistry registry, Supplier<StatusSnapshot> snapshot) {
        gauge(registry, snapshot, "dytallix.faucet.balance", null, "Faucet balance in DYT",
                s -> s.faucetBalance().map(w -> w.toDyt().doubleValue()).orElse(Double.NaN));
        gauge(registry, snapshot, "dytallix.block.lag", null, "Blocks the node is behind (sync progress or stalled head)",
                s -> s.syncLag());
        gauge(registry, snapshot, "dytallix.block.height", null, "Latest block number the node reported",
                s -> s.height().map(Long::doubleValue).orElse(Double.NaN));
        gauge(registry, snapshot, "dytallix.node.head.age", "seconds", "Seconds since the latest block's timestamp",
                s -> s.headAge().map(d -> d.toMillis() / 1000.0).orElse(Double.NaN));
        gauge(registry, snapshot, "dytallix.faucet.paused", null, "1 while the faucet is paused, else 0",
                s -> s.pause().paused() ? 1 : 0);
        gauge(registry, snapshot, "dytallix.faucet.pending.transactions", null,
                "Faucet transactions signed or sent but not yet mined", s -> s.mempoolBacklog());
    }

    /**
     * Per node of RPC_URL (labelled by its name, which carries no credentials): up, head, and calls
     * answered or failed, read from the set's health at scrape time.
     */
    public static void registerUpstreams(MeterRegistry registry, Supplier<List<UpstreamHealth>> upstreams) {
        for (UpstreamHealth initial : upstreams.get()) {
            String name = initial.name();
            Supplier<Optional<UpstreamHealth>> one = () -> upstreams.get().stream().filter(u -> u.name().equals(name)).findFirst();
            Gauge.builder("dytallix.upstream.up", one, u -> u.get().map(h -> h.healthy() ? 1.0 : 0.0).orElse(0.0))
                    .description("1 while the node serves reads and sends, else 0")
                    .tag("upstream", name).strongReference(true).register(registry);
            Gauge.builder("dytallix.upstream.head", one, u -> u.get().flatMap(UpstreamHealth::height).map(Long::doubleValue).orElse(Double.NaN))
                    .description("Latest block number the node reported")
                    .tag("upstream", name).strongReference(true).register(registry);
            FunctionCounter.builder("dytallix.upstream.requests", one, u -> u.get().map(UpstreamHealth::okRequests).orElse(0L))
                    .description("Calls routed to the node by outcome: ok (an answer, a node error included) or failed (transport); health checks aside")
                    .tags("upstream", name, "outcome", "ok").register(registry);
            FunctionCounter.builder("dytallix.upstream.requests", one, u -> u.get().map(UpstreamHealth::failedRequests).orElse(0L))
                    .description("Calls routed to the node by outcome: ok (an answer, a node error included) or failed (transport); health checks aside")
                    .tags("upstream", name, "outcome", "failed").register(registry);
        }
    }

    /**
     * {@code dytallix_rpc_shared_total{method}}: relayed calls answered by joining an identical call
     * already in flight to the node (RPC_SHARE_INFLIGHT), per method that may be shared and is allowed.
     */
    public static void registerSharedReads(MeterRegistry registry, SharedReads shared, java.util.Collection<String> allowed) {
        for (String method : new java.util.TreeSet<>(allowed)) {
            if (SharedReads.METHODS.contains(method)) {
                FunctionCounter.builder("dytallix.rpc.shared", shared, s -> s.joined(method))
                        .description("Relayed calls answered by joining an identical call already in flight to the node, by method")
                        .tag("method", method).register(registry);
            }
        }
    }

    /** dytallix_faucet_budget: the outflow budget in DYT (negative in debt), read from the ledger at scrape time. */
    public static void registerBudget(MeterRegistry registry, Supplier<java.math.BigInteger> budgetWei) {
        Gauge.builder("dytallix.faucet.budget", budgetWei,
                        b -> new java.math.BigDecimal(b.get()).movePointLeft(com.dytallix.domain.Wei.DECIMALS).doubleValue())
                .description("Outflow budget left in DYT; negative while the governor is scaling payouts down")
                .strongReference(true)
                .register(registry);
    }

    /**
     * {@code dytallix_fingerprints_dropped_total}: request fingerprints not stored because the
     * database did not keep up with a flood of refused requests (the refusals themselves went on).
     */
    public static void registerFingerprintsDropped(MeterRegistry registry, Persistence store) {
        // the registry holds the store weakly; the server holds it while it runs
        FunctionCounter.builder("dytallix.fingerprints.dropped", store, Persistence::fingerprintsDropped)
                .description("Request fingerprints not stored because too many were waiting for the database")
                .register(registry);
    }

    /** {@code dytallix_payer_leader}: 1 while this instance holds the payer lease, else 0. */
    public static void registerPayerGauge(MeterRegistry registry, java.util.function.BooleanSupplier isPayer) {
        Gauge.builder("dytallix.payer.leader", isPayer, p -> p.getAsBoolean() ? 1 : 0)
                .description("1 while this instance holds the payer lease (signs and sends), else 0")
                .strongReference(true)
                .register(registry);
    }

    /** {@code dytallix_rpc_filters}: the filters the relay holds on the node now (RPC_MAX_FILTERS in all). */
    public static void registerRelayFilters(MeterRegistry registry, java.util.function.IntSupplier held) {
        Gauge.builder("dytallix.rpc.filters", held, h -> h.getAsInt())
                .description("Filters (eth_newFilter, eth_newBlockFilter, ...) the relay made on the node and holds now; at most RPC_MAX_FILTERS")
                .strongReference(true)
                .register(registry);
    }

    private static void gauge(MeterRegistry registry, Supplier<StatusSnapshot> snapshot, String name, String unit,
                              String description, ToDoubleFunction<StatusSnapshot> value) {
        // A strong reference: the registry would otherwise let a method-reference supplier be collected.
        Gauge.builder(name, snapshot, s -> value.applyAsDouble(s.get()))
                .description(description)
                .baseUnit(unit)
                .strongReference(true)
                .register(registry);
    }
}
