package com.dytallix.bootstrap;

import com.dytallix.adapters.http.ApiDependencies;
import com.dytallix.adapters.http.ApiRouting;
import com.dytallix.adapters.http.ClientIpResolver;
import com.dytallix.adapters.http.ConnectionLimits;
import com.dytallix.adapters.http.HealthHttpService;
import com.dytallix.adapters.http.HttpListener;
import com.dytallix.adapters.http.RequestObserver;
import com.dytallix.adapters.http.RpcWebSocket;
import com.dytallix.adapters.http.metrics.HttpMetrics;
import com.dytallix.adapters.node.BouncyCastleKeccak;
import com.dytallix.adapters.node.ChainIdCheck;
import com.dytallix.adapters.node.DevChain;
import com.dytallix.adapters.node.FileKeyRing;
import com.dytallix.adapters.node.JsonRpcChainNode;
import com.dytallix.adapters.node.SharedReads;
import com.dytallix.adapters.node.UpstreamSet;
import com.dytallix.adapters.node.NodeBlockReader;
import com.dytallix.adapters.node.HmacChallengeIds;
import com.dytallix.adapters.node.ScryptProofOfWork;
import com.dytallix.adapters.persistence.FileReputationList;
import com.dytallix.adapters.persistence.Persistence;
import com.dytallix.domain.telemetry.Telemetry;
import com.dytallix.application.assembly.Application;
import com.dytallix.application.faucet.ChainGuard;
import com.dytallix.application.faucet.FaucetPolicy;
import com.dytallix.application.faucet.Payer;
import com.dytallix.application.faucet.Finality;
import com.dytallix.application.payer.PayerElection;
import com.dytallix.application.subscription.ChainFeed;
import com.dytallix.bootstrap.config.Settings;
import com.dytallix.bootstrap.observability.AccessLog;
import com.dytallix.bootstrap.observability.MetricsHttpService;
import com.dytallix.bootstrap.observability.MetricsTelemetry;
import com.dytallix.bootstrap.observability.Observability;
import com.dytallix.domain.StoreBusyException;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.ChainReset;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.grant.GrantNotices;
import com.dytallix.domain.admission.ProofOfWorkPolicy;
import com.dytallix.domain.admission.ReputationList;
import com.dytallix.domain.grant.OutflowPolicy;
import com.dytallix.domain.key.FeePolicy;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.NodeException;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.service.registry.GlobalServiceRegistry;
import io.helidon.webserver.WebServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The composition root for {@code serve}: the one place that chooses adapters and wires them,
 * starts the background jobs and the web server, and takes everything down again in order.
 */
public final class Server implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Server.class.getName());
    /** DYT the dev chain gives the faucet at genesis. */
    private static final Wei DEV_FUNDING = Wei.ofDyt("1000000");
    /** How long a proof-of-work challenge may be answered: ample for a phone at the highest difficulty. */
    private static final Duration POW_CHALLENGE_TTL = Duration.ofMinutes(10);
    /** How often the subscription feed asks the node for its head (while someone is subscribed or the finality cache is in use). */
    private static final Duration HEAD_POLL = Duration.ofMillis(250);
    /** How often the request fingerprints held in memory are written to the database (a commit per flush: see SqlGrantLedger's batch). */
    private static final Duration FINGERPRINT_FLUSH = Duration.ofMillis(500);
    /** How long shutdown waits for WebSocket clients to answer the going-away close. */
    private static final Duration WS_CLOSE_WAIT = Duration.ofSeconds(3);
    private static final AtomicBoolean REGISTRY_STARTED = new AtomicBoolean();
    /**
     * How long shutdown waits for the ledger records of grants already answered as submitted (each a
     * write of milliseconds); past it they stay SIGNED and the next start sends the same bytes.
     */
    private static final Duration GRANT_RECORDS_WAIT = Duration.ofSeconds(5);
    /**
     * How long node calls may still take once a stop's listener stops accepting: NODE_TIMEOUT_MS's default, so at the
     * default no call begun before is cut short. Past it they end as timed out, so a node holding a send or a read
     * cannot keep the process up for a longer NODE_TIMEOUT_MS; a send so ended leaves its grant SIGNED, and the next
     * start sends the same bytes.
     */
    private static final Duration STOP_NODE_WAIT = Duration.ofSeconds(3);

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** Counted down once {@link #close} has taken everything down: a second stop waits for it. */
    private final CountDownLatch closed = new CountDownLatch(1);
    /** Booting, failed or listening, and the signal that asked for a stop: a signal is the boot's or the running server's. */
    private final StartupPhase phase = new StartupPhase();
    private BackgroundJobs jobs;
    private BackgroundJobs leaseJobs;
    private PayerElection election;
    private Payer payer;
    private WebServer webServer;
    private RpcWebSocket webSocket;
    private Persistence db;
    /** The node set when RPC_URL is set (its health is checked in the background); null on the dev chain. */
    private UpstreamSet upstreams;
    /** The relay's sharing of identical reads in flight; null on the embedded dev chain. */
    private SharedReads sharedReads;

    private Server() {
    }

    /**
     * Starts everything; returns the running server (stopped by SIGTERM/SIGINT or {@link #close()}). A SIGTERM or SIGINT
     * during the start stops it after its current step, what it opened closed: the server returned is then stopped
     * already, and the process exits 0 as after any graceful stop, even when a step fails after the signal (a warning).
     * A start that failed before any signal throws its {@link StartupException} (exit 1), a later signal notwithstanding.
     */
    public static Server start(Settings settings, PrintStream out, PrintStream err) {
        // Nothing to reopen or re-read: logs go to stdout and settings take effect at a restart. Said
        // so, since an operator sending it may expect otherwise. Installed before the boot: the server
        // says it is listening from inside it, and a SIGHUP that came before this handler (a logrotate
        // right after a start) would take the JVM's default, an exit without the graceful stop
        Signals.onReload(() -> LOG.log(System.Logger.Level.INFO, "SIGHUP (reload): nothing to reload, the server"
                + " keeps running. Logs go to standard output (no file to reopen: rotate a file it is redirected"
                + " to with copytruncate); changed settings take effect at a restart"));
        Server server = new Server();
        // before the boot: a stop asked for while it opens the database, reaches the node or seeds nonces is graceful too
        Signals.onTermination(server::stopOnSignal);
        try {
            server.boot(settings, err);
        } catch (StoppedDuringStartup stopped) {
            server.stoppedDuringStartup();
        } catch (RuntimeException e) {
            if (server.phase.fail()) {
                server.close();
                throw e instanceof StartupException s ? s : new StartupException("cannot start: " + describe(e), Main.FAILED);
            }
            // a stop asked for before the step failed (the step may have failed because of it): the stop is the outcome
            LOG.log(System.Logger.Level.WARNING, "a start-up step failed after SIG" + server.phase.stopSignal()
                    + " asked the start to stop (it stops as asked): " + describe(e));
            server.stoppedDuringStartup();
        }
        return server;
    }

    private void stoppedDuringStartup() {
        stop("dytallix-api stopped during start-up (SIG" + phase.stopSignal() + " before it listened): nothing was served,"
                + " and what it had opened is closed");
    }

    /** A stop asked for during the boot, found between two of its steps. */
    private static final class StoppedDuringStartup extends RuntimeException {
        StoppedDuringStartup() {
            super(null, null, false, false);
        }
    }

    /**
     * SIGTERM or SIGINT: the graceful stop once the server listens; during the boot, the boot stops after its current
     * step and closes what it opened, and this waits for that. Either way it returns true once everything is closed,
     * and the process exits 0. After the boot failed it returns false at once: the failure's error and exit 1 stand.
     */
    private boolean stopOnSignal(String signal) {
        switch (phase.signal(signal)) {
            case RUNNING -> close();
            case BOOTING -> awaitClosed();
            case FAILED -> {
                return false;
            }
        }
        return true;
    }

    /** Between two steps of the boot: stops it there if a stop was asked for. */
    private void checkpoint() {
        if (phase.stopSignal() != null) {
            throw new StoppedDuringStartup();
        }
    }

    /**
     * Helidon's global service registry, which the database client and the web server both start from
     * (the database thread waits for it), made on a thread of its own. {@code main} calls this before
     * it sets logging up and reads the configuration, neither of which the registry needs, so the
     * database thread finds it made; a server started without {@code main} (the tests) makes it here
     * at boot. A failure here is the same failure the database client then meets and reports.
     */
    static void makeServiceRegistry() {
        if (REGISTRY_STARTED.compareAndSet(false, true)) {
            Thread.ofPlatform().name("service-registry").start(() -> {
                try {
                    GlobalServiceRegistry.registry();
                } catch (RuntimeException reportedByItsUsers) {
                    LOG.log(System.Logger.Level.DEBUG, "service registry: " + reportedByItsUsers);
                }
            });
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    public int port() {
        return webServer.port();
    }

    private void boot(Settings given, PrintStream err) {
        Clock clock = Clock.systemUTC();
        // Database first, migrated before anything reads it. Several servers may share it (a
        // zero-downtime deployment, or scale-out on PostgreSQL); the embedded dev chain lives inside
        // one process, so a dev server is alone.
        if (given.databaseUrl().isEmpty()) {
            DataFiles.ownerOnlyDirectory(given.dataDir());
        }
        try {
            resources.add(Persistence.lock(given.databaseUrl(), given.dbPath(), !given.devMode()));
        } catch (RuntimeException e) {
            if (given.devMode() && Persistence.heldByAServer(e)) {
                throw new StartupException("cannot start: another server runs on " + given.dbPath() + " (it holds " + given.dbPath()
                        + ".lock). Without RPC_URL a server runs alone: the embedded dev chain lives in that server's process."
                        + " Stop it, or set RPC_URL to a node to run several instances (a zero-downtime deployment)", Main.FAILED);
            }
            throw e;
        }
        checkpoint();
        makeServiceRegistry(); // already under way when main started it
        // It opens and migrates on a thread of its own (SQLite's native library, the pool, the
        // migrations) while this one reads the key and reaches the node: the start waits for the
        // longer of the two, not for both.
        FutureTask<Persistence> opening = new FutureTask<>(() -> openDatabase(given));
        Thread.ofPlatform().name("database-open").start(opening);
        Settings settings;
        FileKeyRing keys;
        ChainNode node;
        PrometheusMeterRegistry metrics;
        try {
            if (given.devMode()) {
                DevMode.Prepared dev = DevMode.prepare(given, err);
                settings = dev.settings();
                keys = dev.keys();
            } else {
                settings = given;
                keys = new FileKeyRing(settings.faucetKeyFile(), settings.faucetPrivateKey());
            }
            node = connectNode(settings, keys);
            checkpoint();
            metrics = Observability.createRegistry(); // needs no database: made while it opens
            // Helidon's empty configuration, which the health observer's and the web server's builders
            // ask for: made now, while the database thread works, its mappers found through the
            // service loader (about a tenth of this thread's start once the database is there)
            io.helidon.config.Config.empty();
        } catch (RuntimeException e) {
            try {
                db = opened(opening); // closed with the rest
            } catch (RuntimeException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            throw e;
        }
        db = opened(opening);
        checkpoint();
        var ledger = db.ledger();
        var controls = db.controls();
        var rotations = db.rotations();
        var blocks = db.blocks();
        var challenges = db.challenges();
        ReputationList reputation = settings.get(Settings.REPUTATION_FILE).<ReputationList>map(FileReputationList::new).orElse(ip -> false);
        var maintenance = db.maintenance();
        var leases = db.leases();

        var keccak = BouncyCastleKeccak.INSTANCE;

        Telemetry telemetry = new MetricsTelemetry(metrics, settings.rpcAllowedMethods());
        var policy = new FaucetPolicy(settings.dripAmount(), settings.minBalance(),
                new FaucetPolicy.Limits(settings.perIpPerDay(), settings.perSubnetPerDay(), settings.perAddressPerDay(),
                        settings.dailyCap(), settings.suspiciousAddressesPerIpPerHour()),
                new OutflowPolicy(settings.outflowPerDay(), settings.outflowBuffer(), settings.get(Settings.FAUCET_MIN_DRIP_FRACTION)),
                new ProofOfWorkPolicy(settings.get(Settings.FAUCET_POW_DIFFICULTY), settings.get(Settings.FAUCET_POW_SCRYPT_N), settings.get(Settings.FAUCET_POW_SCRYPT_R),
                        settings.get(Settings.FAUCET_POW_SCRYPT_P), POW_CHALLENGE_TTL),
                settings.get(Settings.IPV6_CLIENT_PREFIX), settings.get(Settings.REPUTATION_FACTOR), new FeePolicy(settings.maxFeePerGas()),
                settings.txReplaceAfter(), Duration.ofSeconds(60), settings.get(Settings.FAUCET_SEND_WAIT_MS));
        var finality = new Finality(settings.get(Settings.FAUCET_CONFIRMATIONS), settings.get(Settings.REORG_WATCH_BLOCKS));
        var app = Application.assemble(
                new Application.Ports(node, new NodeBlockReader(node), keys, ledger, controls, rotations, leases, db.transfers(), blocks,
                        challenges, new HmacChallengeIds(db.challengeKey()), reputation, new ScryptProofOfWork(), keccak, telemetry, clock,
                        db.notices()),
                new Application.Choices(policy, settings.rpcAllowedMethods(), settings.blockTime(), settings.chainId(),
                        settings.get(Settings.WS_MAX_SUBSCRIPTIONS),
                        finality, settings.instance(), settings.payerLease(),
                        settings.get(Settings.RPC_MAX_FILTERS_PER_CLIENT), settings.get(Settings.RPC_MAX_FILTERS)));
        election = app.election();
        payer = app.payer();
        var status = app.status();
        var tracker = app.tracker();

        var chainGuard = app.chain();
        if (upstreams != null) {
            // with several nodes, one on another chain than the ledger's (a relaunch under the same chain id) is not used
            upstreams.followLedgerChain(() -> chainGuard.ledgerGenesis().or(ledger::genesis));
            upstreams.checkHealth();
        }
        // before anything is paid: is the node on the chain the ledger pays on (recorded at the first start)?
        if (settings.devMode()) {
            // the dev chain is new each run by design: the previous run's business is closed and the new chain adopted
            chainGuard.adoptAtStart();
        } else {
            checkChain(chainGuard);
        }
        checkpoint();
        election.campaign();
        status.refresh();
        checkpoint();
        try {
            tracker.reconcile();
        } catch (NodeException e) {
            LOG.log(System.Logger.Level.WARNING, "start-up reconciliation postponed: node {0}", e.failure());
        }
        checkpoint();

        // their own thread: a slow tracker pass or node call must never let the payer lease run out
        leaseJobs = new BackgroundJobs(metrics);
        leaseJobs.every("payer lease", election.renewEvery(), election.renewEvery(), election::campaign);
        jobs = new BackgroundJobs(metrics);
        jobs.every("status refresh", settings.statusRefresh(), settings.statusRefresh(), status::refresh);
        jobs.every("grant tracker", Duration.ofSeconds(1), Duration.ofSeconds(1), tracker::tick);
        if (upstreams != null) {
            jobs.every("node checks", settings.statusRefresh(), settings.statusRefresh(), upstreams::checkHealth);
        }
        // on every instance, the payer or not: a reset pauses the faucet everywhere, an adoption elsewhere resumes it here
        jobs.every("chain check", settings.statusRefresh(), settings.statusRefresh(), () -> checkChain(chainGuard));
        // grants admitted by other instances wait for this one while it is the payer: paid when another instance says
        // it admitted one (PostgreSQL), and looked for every 100 ms besides
        Runnable payOwedNow = jobs.everyAndOnDemand("admitted grants", Duration.ofMillis(100), tracker::payOwed);
        db.notices().listen(new GrantNotices.Listener() {
            @Override
            public void admitted() {
                if (election.isPayer()) {
                    payOwedNow.run();
                }
            }

            @Override
            public void moved(Set<GrantId> ids) {
                payer.moved(ids);
            }
        });
        // a refused request only queues its fingerprint: the runbook's abuse queries see it within this time
        db.startFingerprintWriter(FINGERPRINT_FLUSH);
        Observability.registerFingerprintsDropped(metrics, db);
        jobs.every("daily maintenance", Duration.ofHours(1), Duration.ofHours(24), Commands.retention(maintenance, settings, clock)::prune);

        var healthChecks = List.of(
                new HealthHttpService.Check("database", () -> db.isHealthy() ? Optional.empty() : Optional.of("database not answering")),
                new HealthHttpService.Check("migrations", () -> db.isMigrated() ? Optional.empty() : Optional.of("schema not migrated")),
                new HealthHttpService.Check("key", () -> Optional.ofNullable(keys.active()).isPresent() ? Optional.empty() : Optional.of("no signing key")),
                new HealthHttpService.Check("node", () -> status.nodeProblem(settings.statusRefresh().multipliedBy(3).plus(settings.nodeTimeout())),
                        status::unhealthyNodes),
                new HealthHttpService.Check("chainId", () -> status.current().chainIdVerified() ? Optional.empty()
                        : Optional.of(status.current().lastError().orElse("chain id not verified"))),
                // the relay and the status still serve a reset chain: ready, and the faucet's pause says the rest
                new HealthHttpService.Check("chain", Optional::empty, () -> chainGuard.reset().map(ChainReset::reason)
                        .or(() -> chainGuard.payable() ? Optional.empty() : Optional.of("the node's chain is not checked yet:"
                                + " the faucet pays nothing until it is"))));

        Observability.registerGauges(metrics, status::current);
        Observability.registerUpstreams(metrics, status::upstreams);
        if (sharedReads != null) {
            Observability.registerSharedReads(metrics, sharedReads, settings.rpcAllowedMethods());
        }
        Observability.registerPayerGauge(metrics, election::holdsLease);
        Observability.registerRelayFilters(metrics, app.relay()::filtersHeld);
        Observability.registerBudget(metrics, () -> ledger.budget(policy.outflow(), clock.instant()));
        // one observer for the routed requests and the answers given before routing: one access log, one set of metrics
        RequestObserver requests = AccessLog.around(new HttpMetrics(metrics));
        // one resolver for the routing and the connection limits: it warns once of each untrusted forwarding peer
        var clientIps = new ClientIpResolver(settings.trustedProxies());
        var api = new ApiDependencies(status, app.balances(), app.drips(), app.grants(), app.relay(), app.admin(), keccak,
                telemetry, requests, healthChecks, clock, clientIps,
                settings.adminAllowedIps(), settings.adminToken().orElseThrow(), settings.frontendOrigins(),
                settings.requestsPerMinute(), settings.get(Settings.IPV6_CLIENT_PREFIX), settings.rpcRequestsPerMinute(),
                settings.requestSizeLimit(), settings.rpcMaxBatch(), settings.get(Settings.RPC_CACHE_MAX_BYTES), finality, app.feed(), settings.get(Settings.WS_MAX_CONNECTIONS),
                settings.get(Settings.WS_MAX_CONNECTIONS_PER_CLIENT),
                settings.get(Settings.WS_MAX_MESSAGE_BYTES), settings.get(Settings.WS_MAX_INBOUND_BYTES),
                settings.get(Settings.WS_MAX_QUEUED_BYTES), settings.get(Settings.WS_MAX_OUTBOUND_BYTES),
                settings.httpReadTimeout(), statusStaleAfter(settings), settings.get(Settings.WEB_PAGE));
        HttpRouting.Builder routing = HttpRouting.builder();
        routing.register(new MetricsHttpService(metrics));
        Duration wsPing = settings.httpIdleTimeout().dividedBy(3);
        webSocket = ApiRouting.configure(routing, api, wsPing.compareTo(RpcWebSocket.PING_INTERVAL) < 0 ? wsPing : RpcWebSocket.PING_INTERVAL);
        // the feed's first step before the first request (the finality cache, now watching, keeps nothing until the
        // feed follows the chain), then on its schedule: one thread at a time
        Runnable feedStep = feedPoll(app.feed());
        feedStep.run();
        jobs.every("subscription feed", HEAD_POLL, HEAD_POLL, feedStep);
        checkpoint();
        Gauge.builder("dytallix.chain.reset", chainGuard, g -> g.reset().isPresent() ? 1 : 0)
                .description("1 while the node's chain (its genesis block) is not the chain the ledger pays on: the faucet"
                        + " pays nothing until an operator adopts the new chain").register(metrics);
        Gauge.builder("dytallix.ws.connections", webSocket, RpcWebSocket::connections)
                .description("Open WebSocket connections on /api/rpc").register(metrics);

        var listener = WebServer.builder()
                .host(settings.host())
                .port(settings.port())
                .shutdownGracePeriod(Duration.ofSeconds(10));
        var connections = new ConnectionLimits.Counts(new ConnectionLimits.Limits(settings.get(Settings.HTTP_MAX_CONNECTIONS),
                settings.get(Settings.HTTP_MAX_CONNECTIONS_PER_CLIENT), settings.get(Settings.IPV6_CLIENT_PREFIX),
                clientIps));
        Gauge.builder("dytallix.http.connections", connections, ConnectionLimits.Counts::open)
                .description("Open TCP connections to the server (WebSocket ones included), counted against HTTP_MAX_CONNECTIONS")
                .register(metrics);
        resources.add(HttpListener.configure(listener,
                new HttpListener.Limits(settings.requestSizeLimit(), settings.httpReadTimeout(), settings.httpIdleTimeout(), connections),
                requests));
        webServer = listener
                .addFeature(ObserveFeature.just(healthObserver(healthChecks)))
                .routing(routing)
                .addRouting(webSocket.routing())
                .addProtocol(webSocket.protocol())
                .build()
                .start();
        if (!webServer.isRunning()) {
            // Helidon logs the failed bind and returns a stopped server (port -1) instead of throwing
            throw new StartupException("cannot listen on " + settings.host() + ":" + settings.port() + ": "
                    + whyNotListening(settings.host(), settings.port()), Main.FAILED);
        }
        if (!phase.listen()) {
            throw new StoppedDuringStartup(); // asked for while the listener started: stopped here, the listener with the rest
        }
        // garbage promoted under a sustained load is collected before it grows the heap (OldGenerationCollector)
        OldGenerationCollector.start().ifPresent(resources::add);
        if (settings.trustedProxies().isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "TRUSTED_PROXIES is empty: X-Forwarded-For is ignored and the socket peer is the client."
                    + " Behind a reverse proxy, set TRUSTED_PROXIES to its address, or all its clients count as one"
                    + " (quotas, request limits, admin lockout, connections per client)");
        }
        // one string, not a pattern with parameters: the logger would format those with MessageFormat,
        // whose number format sets up locale data and generates a class, on the start's last stretch
        LOG.log(System.Logger.Level.INFO, "dytallix-api instance " + election.instance() + " listening on " + settings.host()
                + ":" + webServer.port() + " (" + (settings.devMode() ? "embedded dev chain" : node)
                + "), faucet address " + keys.active().address() + ", "
                + (election.isPayer() ? "the payer" : "admitting (the payer is " + election.payer().orElse("not elected yet") + ")"));
    }

    /** Why the web server could not bind host:port, found by trying the same bind (only after it failed). */
    static String whyNotListening(String host, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as the web server binds: a port left in TIME_WAIT is free
            probe.bind(new InetSocketAddress(host, port));
            return "the web server could not bind it (it is free now: another process held it a moment ago)";
        } catch (BindException e) {
            return e.getMessage() != null && e.getMessage().contains("in use")
                    ? "the port is already taken by another process (stop it, or set PORT to a free port)"
                    : "cannot bind it (" + e.getMessage() + ")";
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            return "cannot bind it (" + describe(e) + ")";
        }
    }

    private static Persistence openDatabase(Settings settings) {
        Persistence db = Persistence.open(settings.databaseUrl(), settings.dbPath());
        try {
            if (settings.databaseUrl().isEmpty()) {
                DataFiles.ownerOnlyDatabase(settings.dbPath());
            }
            if (settings.migrateOnStart()) {
                Commands.migrateOrFail(db);
            } else if (!db.isMigrated()) {
                throw new StartupException("database " + db.location() + " is not migrated; run the migrate command", Main.FAILED);
            }
            return db;
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** The database {@link #openDatabase} opened, or what stopped it, as thrown there. */
    private static Persistence opened(FutureTask<Persistence> opening) {
        try {
            return opening.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while opening the database", Main.FAILED);
        }
    }

    /** The same readiness checks under Helidon's /observe/health. */
    private static HealthObserver healthObserver(List<HealthHttpService.Check> checks) {
        var builder = HealthObserver.builder().details(true).useSystemServices(false);
        for (HealthHttpService.Check c : checks) {
            builder.addCheck(() -> {
                Optional<String> problem = c.problem().get();
                return HealthCheckResponse.builder().status(problem.isEmpty())
                        .detail("problem", problem.orElse("none")).build();
            }, HealthCheckType.READINESS, c.name());
        }
        return builder.build();
    }

    private ChainNode connectNode(Settings settings, FileKeyRing keys) {
        if (settings.devMode()) {
            DevChain dev = new DevChain(settings.devBlockTime());
            dev.fund(keys.active().address(), DEV_FUNDING);
            resources.add(dev);
            return dev;
        }
        List<JsonRpcChainNode> nodes = settings.rpcUrls().stream().map(url -> new JsonRpcChainNode(url, settings.nodeTimeout(),
                settings.maxConcurrency(), JsonRpcChainNode.defaultQueueWait(settings.nodeTimeout()), settings.rpcMaxResponseBytes())).toList();
        sharedReads = new SharedReads(settings.get(Settings.RPC_SHARE_INFLIGHT), settings.nodeTimeout());
        UpstreamSet node = new UpstreamSet(nodes, settings.chainId(), settings.upstreamMaxLagBlocks(),
                settings.rpcMaxLogsBlockRange(), settings.nodeTimeout(), sharedReads);
        resources.add(node);
        upstreams = node;
        node.checkHealth();
        try {
            ChainIdCheck.verify(node, settings.chainId());
        } catch (NodeException e) {
            // The node may come later; readiness stays red until it answers with the right chain id.
            LOG.log(System.Logger.Level.WARNING, "node not reachable at start ({0}); will keep trying", e.failure());
        } catch (IllegalStateException e) {
            throw new StartupException(e.getMessage(), Main.FAILED);
        }
        return node;
    }

    /** Compares the node's genesis with the ledger's ({@link ChainGuard#check()}); a node that cannot say leaves it as it was. */
    private static void checkChain(ChainGuard guard) {
        try {
            guard.check();
        } catch (NodeException | StoreBusyException e) {
            LOG.log(System.Logger.Level.DEBUG, "chain check postponed: {0}", e.getMessage());
        }
    }

    /**
     * The feed polls several times a second: a failing node is logged when the failure starts and
     * when it ends, not on every poll (anything worse than a node failure is the job guard's).
     */
    private static Runnable feedPoll(ChainFeed feed) {
        AtomicBoolean failing = new AtomicBoolean();
        return () -> {
            try {
                feed.poll();
                if (failing.compareAndSet(true, false)) {
                    LOG.log(System.Logger.Level.INFO, "subscription feed: the node answers again; notifications resume");
                }
            } catch (NodeException e) {
                if (failing.compareAndSet(false, true)) {
                    LOG.log(System.Logger.Level.WARNING, "subscription feed: node {0}: {1}; notifications wait until the node answers",
                            e.failure(), e.getMessage());
                }
            }
        };
    }

    /** The status snapshot is refreshed every STATUS_REFRESH_MS; one this old means the refresh is stuck or failing. */
    private static Duration statusStaleAfter(Settings settings) {
        return settings.statusRefresh().multipliedBy(3).plus(settings.nodeTimeout().multipliedBy(2));
    }

    /**
     * Graceful stop: no new connections, in-flight requests finish, jobs stop, the database closes cleanly. A second
     * call (a second signal) returns once the first one's stop has ended.
     */
    @Override
    public void close() {
        stop("dytallix-api stopped");
    }

    /** {@link #close}, saying {@code done} at its end. */
    private void stop(String done) {
        if (!stopped.compareAndSet(false, true)) {
            awaitClosed();
            return;
        }
        try {
            takeDown();
        } finally {
            LOG.log(System.Logger.Level.INFO, done);
            closed.countDown();
        }
    }

    private void awaitClosed() {
        boolean interrupted = false;
        while (true) {
            try {
                closed.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void takeDown() {
        if (webSocket != null) {
            webSocket.goAway(WS_CLOSE_WAIT); // 1001 to every client before the listener goes
        }
        if (upstreams != null) {
            // the drain: what the listener took until now finishes, but none of it waits for the node past this
            upstreams.endCallsWithin(STOP_NODE_WAIT);
        }
        if (webServer != null) {
            webServer.stop();
        }
        if (payer != null && !payer.awaitRecords(GRANT_RECORDS_WAIT)) {
            // answered as submitted, still SIGNED in the ledger: nothing is lost, the next start sends the same bytes
            LOG.log(System.Logger.Level.WARNING, "grants answered as submitted were not all recorded within " + GRANT_RECORDS_WAIT
                    + "; they stay signed, and the next start sends them again (the same transactions)");
        }
        if (jobs != null) {
            jobs.close();
        }
        if (leaseJobs != null) {
            leaseJobs.close();
        }
        if (election != null) {
            try {
                election.resign(); // another instance pays from now on, without waiting for the lease to run out
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the payer lease was not handed over (it runs out by itself): " + e.getMessage());
            }
        }
        if (db != null) {
            db.close(); // SQLite: PRAGMA optimize, WAL checkpoint, no lock left
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing " + resources.get(i).getClass().getSimpleName() + " failed: " + e.getMessage());
            }
        }
    }
}
