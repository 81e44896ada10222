package com.dytallix.bootstrap.config;

import static com.dytallix.bootstrap.config.Setting.bool;
import static com.dytallix.bootstrap.config.Setting.choice;
import static com.dytallix.bootstrap.config.Setting.dyt;
import static com.dytallix.bootstrap.config.Setting.gwei;
import static com.dytallix.bootstrap.config.Setting.httpUrl;
import static com.dytallix.bootstrap.config.Setting.integer;
import static com.dytallix.bootstrap.config.Setting.list;
import static com.dytallix.bootstrap.config.Setting.millis;
import static com.dytallix.bootstrap.config.Setting.optional;
import static com.dytallix.bootstrap.config.Setting.path;
import static com.dytallix.bootstrap.config.Setting.positiveLong;
import static com.dytallix.bootstrap.config.Setting.privateKey;
import static com.dytallix.bootstrap.config.Setting.ranges;
import static com.dytallix.bootstrap.config.Setting.text;

import com.dytallix.domain.IpRange;
import com.dytallix.domain.Wei;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The server's effective, validated configuration. Every setting is declared once below (name,
 * default, reader, secret or not, documentation line); reading the sources, {@code check-config},
 * the unknown-key warnings and the test of docs/configuration.md all follow from that list. Every
 * invalid value is reported as one line {@code NAME: what is wrong}.
 *
 * <p>To add a setting, declare it here and add its row (the test prints it) to docs/configuration.md;
 * read it with {@code settings.get(Settings.NAME)}, or add a typed accessor if many callers need it.
 */
public final class Settings {
    private static final List<Setting<?>> DECLARED = new ArrayList<>();

    /** Read-only methods a wallet needs, plus sending a transaction the client signed itself. */
    public static final String DEFAULT_RPC_METHODS = String.join(",",
            "eth_chainId", "net_version", "net_listening", "net_peerCount", "web3_clientVersion", "web3_sha3",
            "eth_blockNumber", "eth_getBalance", "eth_getTransactionCount", "eth_getCode", "eth_getStorageAt",
            "eth_call", "eth_estimateGas", "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory",
            "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getBlockTransactionCountByNumber",
            "eth_getBlockTransactionCountByHash", "eth_getTransactionByHash", "eth_getTransactionReceipt",
            "eth_getTransactionByBlockNumberAndIndex", "eth_getTransactionByBlockHashAndIndex", "eth_getLogs",
            "eth_syncing", "eth_protocolVersion", "eth_accounts", "eth_getBlockReceipts", "eth_createAccessList",
            "eth_blobBaseFee", "eth_getProof", "eth_newFilter", "eth_newBlockFilter", "eth_getFilterChanges",
            "eth_getFilterLogs", "eth_uninstallFilter", "eth_sendRawTransaction");

    public static final Setting<Integer> PORT = declare(Setting.of("PORT", "8787", integer(0, 65535),
            "listen port (0 picks a free one)"));
    public static final Setting<String> HOST = declare(Setting.of("HOST", "0.0.0.0", text(),
            "listen address"));
    public static final Setting<List<URI>> RPC_URL = declare(Setting.of("RPC_URL", "", nodeUrls(),
            "node JSON-RPC URL, http(s), or a comma-separated list of nodes of one chain (the first is preferred for sends; "
                    + "all serve reads). Credentials in a URL (`https://user:password@host/…`) are sent as Basic authentication "
                    + "and never shown").shown("(unset → embedded dev chain)").asUrls());
    public static final Setting<Optional<Long>> CHAIN_ID = declare(Setting.of("CHAIN_ID", "", optional(positiveLong()),
            "if set, the node's `eth_chainId` must match or the server refuses to start (and turns not-ready if it changes later)")
            .shown("(taken from the node)"));
    public static final Setting<Optional<String>> FAUCET_PRIVATE_KEY = declare(Setting.of("FAUCET_PRIVATE_KEY", "", optional(privateKey()),
            "32-byte hex secp256k1 key, with or without 0x. Required with RPC_URL unless FAUCET_KEY_FILE exists")
            .shown("—").asSecret());
    public static final Setting<Path> FAUCET_KEY_FILE = declare(Setting.of("FAUCET_KEY_FILE", "data/faucet.key", path(),
            "the active key after a rotation (0600, atomic write); wins over FAUCET_PRIVATE_KEY when present"));
    public static final Setting<Wei> FAUCET_DRIP_AMOUNT = declare(Setting.of("FAUCET_DRIP_AMOUNT", "10", dyt(true),
            "DYT per grant (decimal, up to 18 decimals)"));
    public static final Setting<Wei> FAUCET_MIN_BALANCE = declare(Setting.of("FAUCET_MIN_BALANCE", "100", dyt(false),
            "DYT; below min + one drip the faucet answers 503 INSUFFICIENT_BALANCE"));
    public static final Setting<Wei> FAUCET_DAILY_CAP = declare(Setting.of("FAUCET_DAILY_CAP", "10000", dyt(false),
            "DYT paid per rolling 24 h, all recipients together: the hard limit behind the outflow governor"));
    public static final Setting<Optional<Wei>> FAUCET_OUTFLOW_PER_DAY = declare(Setting.of("FAUCET_OUTFLOW_PER_DAY", "",
            optional(dyt(false)), "DYT the outflow governor lets out per 24 h, refilled continuously into the budget")
            .shown("(= FAUCET_DAILY_CAP)"));
    public static final Setting<Optional<Wei>> FAUCET_OUTFLOW_BUFFER = declare(Setting.of("FAUCET_OUTFLOW_BUFFER", "",
            optional(dyt(false)), "DYT of unused budget kept at most; also how deep the budget may go into debt before the "
                    + "governor refuses (429 `daily_cap`)").shown("(1 hour of FAUCET_OUTFLOW_PER_DAY)"));
    public static final Setting<BigDecimal> FAUCET_MIN_DRIP_FRACTION = declare(Setting.of("FAUCET_MIN_DRIP_FRACTION", "0.1",
            fraction(), "in (0, 1]: while the budget is in debt the payout shrinks linearly from the full drip to this "
                    + "fraction of it at the debt limit"));
    public static final Setting<Integer> FAUCET_POW_DIFFICULTY = declare(Setting.of("FAUCET_POW_DIFFICULTY", "0",
            integer(0, 32), "leading zero bits of scrypt a grant's proof of work needs (0 = off); rises by up to 8 bits "
                    + "as the outflow budget goes into debt"));
    public static final Setting<Integer> FAUCET_POW_SCRYPT_N = declare(Setting.of("FAUCET_POW_SCRYPT_N", "16384",
            integer(2, 1 << 21), "scrypt N of the proof of work, a power of two (one check takes 128·N·r bytes, at most "
                    + "256 MiB; the server runs one check per processor at a time)"));
    public static final Setting<Integer> FAUCET_POW_SCRYPT_R = declare(Setting.of("FAUCET_POW_SCRYPT_R", "8",
            integer(1, 64), "scrypt r of the proof of work"));
    public static final Setting<Integer> FAUCET_POW_SCRYPT_P = declare(Setting.of("FAUCET_POW_SCRYPT_P", "1",
            integer(1, 16), "scrypt p of the proof of work"));
    public static final Setting<Integer> RATE_LIMIT_PER_IP_PER_DAY = declare(Setting.of("RATE_LIMIT_PER_IP_PER_DAY", "10",
            integer(0, 1_000_000), "grants per client per rolling 24 h (an IPv6 client per IPV6_CLIENT_PREFIX)"));
    public static final Setting<Integer> RATE_LIMIT_PER_SUBNET_PER_DAY = declare(Setting.of("RATE_LIMIT_PER_SUBNET_PER_DAY", "50",
            integer(0, 1_000_000), "grants per /24 (IPv4) or /48 (IPv6) per rolling 24 h → 429 scope `subnet`"));
    public static final Setting<Integer> RATE_LIMIT_PER_ADDRESS_PER_DAY = declare(Setting.of("RATE_LIMIT_PER_ADDRESS_PER_DAY", "1",
            integer(0, 1_000_000), "grants per recipient per rolling 24 h"));
    public static final Setting<Integer> SUSPICIOUS_ADDRESSES_PER_IP_PER_HOUR = declare(Setting.of("SUSPICIOUS_ADDRESSES_PER_IP_PER_HOUR", "5",
            integer(0, 1_000_000), "more distinct addresses than this from one client in an hour → 429 (scope `suspicious`)"));
    public static final Setting<Integer> IPV6_CLIENT_PREFIX = declare(Setting.of("IPV6_CLIENT_PREFIX", "64",
            integer(16, 128), "an IPv6 client is one client per prefix of this length, for the request limit and every "
                    + "per-IP faucet rule (quota, suspicious activity, proof-of-work binding)"));
    public static final Setting<Optional<Path>> REPUTATION_FILE = declare(Setting.of("REPUTATION_FILE", "", optional(path()),
            "a file of IPs/CIDR blocks, one a line, `#` comments: requests from them get REPUTATION_FACTOR of the payout "
                    + "instead of a refusal. Checked for changes every second, re-read without a restart; a bad line is "
                    + "skipped with a warning, a missing file lists nothing").shown("(none)"));
    public static final Setting<BigDecimal> REPUTATION_FACTOR = declare(Setting.of("REPUTATION_FACTOR", "0.1", fraction(),
            "in (0, 1]: the share of the payout a client on the reputation list gets"));
    public static final Setting<Integer> RATE_LIMIT_REQUESTS_PER_MINUTE = declare(Setting.of("RATE_LIMIT_REQUESTS_PER_MINUTE", "100",
            integer(1, 10_000_000), "`/api/*` requests per client IP (an IPv6 client per IPV6_CLIENT_PREFIX), the relay aside"));
    public static final Setting<Integer> RPC_RATE_LIMIT_PER_MINUTE = declare(Setting.of("RPC_RATE_LIMIT_PER_MINUTE", "6000",
            integer(1, 100_000_000), "`/api/rpc` requests per client IP (an IPv6 client per IPV6_CLIENT_PREFIX); a batch counts its items. "
                    + "Sized for a dapp polling every block"));
    public static final Setting<Optional<String>> ADMIN_TOKEN = declare(Setting.of("ADMIN_TOKEN", "", optional(longToken()),
            "required with RPC_URL, at least 32 characters").shown("—").asSecret());
    public static final Setting<List<IpRange>> ADMIN_ALLOWED_IPS = declare(Setting.of("ADMIN_ALLOWED_IPS", "127.0.0.1,::1", ranges(),
            "IPs or CIDRs (IPv4 and IPv6) allowed to call `/api/admin/*`"));
    public static final Setting<List<IpRange>> TRUSTED_PROXIES = declare(Setting.of("TRUSTED_PROXIES", "", ranges(),
            "IPs/CIDRs whose `X-Forwarded-For` is believed").shown("(none)"));
    public static final Setting<Duration> NODE_TIMEOUT_MS = declare(Setting.of("NODE_TIMEOUT_MS", "3000", millis(1, 600_000),
            "deadline for one node call"));
    public static final Setting<Optional<Duration>> BLOCK_TIME_MS = declare(Setting.of("BLOCK_TIME_MS", "",
            optional(v -> Duration.ofMillis(positiveLong().read(v))),
            "expected block interval; otherwise the median of recent block intervals").shown("(learned)"));
    public static final Setting<Integer> MAX_CONCURRENCY = declare(Setting.of("MAX_CONCURRENCY", "20", integer(1, 10_000),
            "node calls in flight at once, per node; beyond it a relayed call waits up to 250 ms, the server's own calls up to half NODE_TIMEOUT_MS, then fail fast"));
    public static final Setting<List<String>> RPC_ALLOWED_METHODS = declare(Setting.of("RPC_ALLOWED_METHODS", DEFAULT_RPC_METHODS,
            methods(), "methods `/api/rpc` forwards. Signing, admin, debug, txpool, miner, evm/anvil/hardhat methods are refused whatever this says")
            .shown("read-only `eth_`/`net_`/`web3_` set + `eth_sendRawTransaction`"));
    public static final Setting<Integer> RPC_MAX_BATCH = declare(Setting.of("RPC_MAX_BATCH", "100", integer(1, 10_000),
            "largest JSON-RPC batch accepted (ethers batches up to 100 by default)"));
    public static final Setting<Integer> RPC_MAX_RESPONSE_BYTES = declare(Setting.of("RPC_MAX_RESPONSE_BYTES", "10485760",
            integer(65_536, 1_073_741_824), "a node answer larger than this (10 MiB) is refused with a clear error, never buffered"));
    public static final Setting<Integer> RPC_CACHE_MAX_BYTES = declare(Setting.of("RPC_CACHE_MAX_BYTES", "16777216",
            integer(0, Integer.MAX_VALUE), "memory (16 MiB, out of the shipped 128 MiB heap) for relayed answers that cannot change any more: blocks, transactions, "
                    + "receipts and logs at least FAUCET_CONFIRMATIONS deep, by number or hash; a reorg evicts what it replaced; 0 = no cache"));
    public static final Setting<Boolean> RPC_SHARE_INFLIGHT = declare(Setting.of("RPC_SHARE_INFLIGHT", "true", bool(),
            "identical relayed reads in flight at once (same method, same params) share one node call, each caller its own id and "
                    + "deadline (see [the relay](api.md#sharing-identical-reads-in-flight)); never sends, filters or what the relay answers itself; `false`: every call its own"));
    public static final Setting<Integer> RPC_MAX_LOGS_BLOCK_RANGE = declare(Setting.of("RPC_MAX_LOGS_BLOCK_RANGE", "10000",
            integer(1, 100_000_000), "widest `eth_getLogs`/`eth_newFilter` block range the relay forwards"));
    public static final Setting<Integer> RPC_MAX_FILTERS_PER_CLIENT = declare(Setting.of("RPC_MAX_FILTERS_PER_CLIENT", "64",
            integer(1, 1_000_000), "filters (`eth_newFilter`, `eth_newBlockFilter`, …) one client IP (an IPv6 client: its IPV6_CLIENT_PREFIX) "
                    + "may hold on the node through the relay; one more uninstalls the client's least recently polled one on the node "
                    + "(a reloaded page's abandoned filters go first). Raise it when many users share one address (a NAT) and use filters"));
    public static final Setting<Integer> RPC_MAX_FILTERS = declare(Setting.of("RPC_MAX_FILTERS", "4096",
            integer(1, 10_000_000), "filters this instance may hold on the node in all (each gathers logs or block hashes there until "
                    + "polled, or for 5 minutes); past it a new filter is refused with JSON-RPC error −32005 (HTTP 429 `RATE_LIMIT`, "
                    + "scope `filters`) until one is uninstalled or expires. Size it by the node's memory; at least RPC_MAX_FILTERS_PER_CLIENT"));
    public static final Setting<Integer> UPSTREAM_MAX_LAG_BLOCKS = declare(Setting.of("UPSTREAM_MAX_LAG_BLOCKS", "5",
            integer(0, 1_000_000), "a node this many blocks behind the best head of the others gets no reads"));
    public static final Setting<Integer> WS_MAX_CONNECTIONS = declare(Setting.of("WS_MAX_CONNECTIONS", "1000", integer(1, 1_000_000),
            "WebSocket connections open at once on `/api/rpc`, all clients together; one more is closed at once with 1013 and the reason"));
    public static final Setting<Integer> WS_MAX_CONNECTIONS_PER_CLIENT = declare(Setting.of("WS_MAX_CONNECTIONS_PER_CLIENT", "50",
            integer(1, 1_000_000), "WebSocket connections one client IP (an IPv6 client: its IPV6_CLIENT_PREFIX) may have open at once "
                    + "on `/api/rpc`, so that one client cannot take all WS_MAX_CONNECTIONS; one more is closed at once with 1013 and "
                    + "the reason. Raise it when many users share one address (a NAT) and use WebSockets"));
    public static final Setting<Integer> WS_MAX_MESSAGE_BYTES = declare(Setting.of("WS_MAX_MESSAGE_BYTES", "262144",
            integer(1024, 64 << 20), "largest WebSocket message (and frame) a client may send on `/api/rpc` (256 KiB), in bytes as sent "
                    + "(a text message's UTF-8, not its characters); a larger one is refused at the header of the frame that crosses it and the connection closed with 1009. Larger requests go over HTTP (REQUEST_SIZE_LIMIT). A frame still "
                    + "arriving is held by the web server until it is complete: this much when it comes in ordinary segments, up to about "
                    + "twice as much when trickled (a frame still arriving in more than one read per 64 bytes of this setting closes its "
                    + "connection with 1009), and frames still arriving on all connections together may take a quarter of the heap (past "
                    + "it, 1013); a complete one counts against WS_MAX_INBOUND_BYTES"));
    public static final Setting<Integer> WS_MAX_INBOUND_BYTES = declare(Setting.of("WS_MAX_INBOUND_BYTES", "16777216",
            integer(65536, Integer.MAX_VALUE), "bytes of WebSocket messages on `/api/rpc` the server holds at once, all connections "
                    + "together (16 MiB): fragments being put together and messages being answered. A message that does not fit is "
                    + "answered with JSON-RPC error −32005 (the connection stays; retry shortly), so hostile clients cannot fill the "
                    + "heap. A message takes about three times its size while parsed; keep this well below the heap (-Xmx)"));
    public static final Setting<Integer> WS_MAX_QUEUED_BYTES = declare(Setting.of("WS_MAX_QUEUED_BYTES", "1048576",
            integer(65536, Integer.MAX_VALUE), "memory of answers and notifications one WebSocket connection on `/api/rpc` may have "
                    + "waiting to be written (1 MiB; a character counts two bytes, what a Java string may take): a client further "
                    + "behind is closed with 1008 and a reason that names this setting. One message is always taken when nothing "
                    + "waits, so an answer larger than this still goes out"));
    public static final Setting<Integer> WS_MAX_OUTBOUND_BYTES = declare(Setting.of("WS_MAX_OUTBOUND_BYTES", "33554432",
            integer(65536, Integer.MAX_VALUE), "the same for all WebSocket connections together (32 MiB, out of the shipped 128 MiB "
                    + "heap): a message that would pass it closes its connection with 1013 (try again later), so a crowd of clients "
                    + "that do not read cannot exhaust the heap"));
    public static final Setting<Integer> WS_MAX_SUBSCRIPTIONS = declare(Setting.of("WS_MAX_SUBSCRIPTIONS", "100", integer(1, 1_000_000),
            "`eth_subscribe` subscriptions one WebSocket connection may hold; one more is refused with JSON-RPC error −32005"));
    public static final Setting<Optional<String>> DATABASE_URL = declare(Setting.of("DATABASE_URL", "",
            optional(v -> {
                com.dytallix.adapters.persistence.Persistence.checkUrl(v); // the message never repeats the password
                return v;
            }),
            "`postgresql://user:password@host:5432/db` selects PostgreSQL (several instances on several hosts); the password is masked everywhere."
                    + " Query parameters go to the JDBC driver (e.g. `?sslmode=require`), but no `options` there changes `lock_timeout`"
                    + " (10 s) or `TimeZone` (UTC): each connection sets both itself after it opens")
            .shown("(unset → SQLite at DB_PATH)").asSecret());
    public static final Setting<Path> DB_PATH = declare(Setting.of("DB_PATH", "data/dytallix.db", path(),
            "SQLite database (WAL), when DATABASE_URL is not set"));
    public static final Setting<Path> BACKUP_DIR = declare(Setting.of("BACKUP_DIR", "backups", path(),
            "where `backup` writes its archives"));
    public static final Setting<Integer> BACKUP_KEEP = declare(Setting.of("BACKUP_KEEP", "7", integer(1, 10_000),
            "how many archives `backup` keeps"));
    public static final Setting<Integer> RETENTION_GRANTS_DAYS = declare(Setting.of("RETENTION_GRANTS_DAYS", "30", integer(1, 100_000),
            "finished grants (and gap fillers and drains settled) older than this many days are pruned daily (and by `prune`)"));
    public static final Setting<Integer> RETENTION_FINGERPRINTS_DAYS = declare(Setting.of("RETENTION_FINGERPRINTS_DAYS", "7", integer(1, 100_000),
            "fingerprints older than this many days are pruned daily (and by `prune`)"));
    public static final Setting<Integer> RETENTION_AUDIT_DAYS = declare(Setting.of("RETENTION_AUDIT_DAYS", "365", integer(1, 100_000),
            "admin audit entries older than this many days are pruned daily (and by `prune`)"));
    public static final Setting<Integer> REQUEST_SIZE_LIMIT = declare(Setting.of("REQUEST_SIZE_LIMIT", "1048576", integer(64, Integer.MAX_VALUE),
            "largest request body, bytes"));
    public static final Setting<Duration> HTTP_READ_TIMEOUT_MS = declare(Setting.of("HTTP_READ_TIMEOUT_MS", "10000", millis(100, 3_600_000),
            "a request's headers and body must arrive within this, from its request line; else the connection is closed. "
                    + "A client must also take each 64 KiB of a large relay answer within it, and the whole answer within it plus the "
                    + "answer's size at 64 KiB/s (an 8 MB answer: 10 s + 122 s), or the connection is closed"));
    public static final Setting<Duration> HTTP_IDLE_TIMEOUT_MS = declare(Setting.of("HTTP_IDLE_TIMEOUT_MS", "60000", millis(1000, 86_400_000),
            "a connection without a request for this long is closed (checked every quarter of it, at most every 5 s; the server's idle clock "
                    + "ticks once a second, so a connection may be closed up to a second early); so is a WebSocket whose client sent no frame (a pong counts) for this long"));
    public static final Setting<Integer> HTTP_MAX_CONNECTIONS = declare(Setting.of("HTTP_MAX_CONNECTIONS", "1500", integer(1, 1_000_000),
            "TCP connections open at once, all clients together (WebSockets included); one more is answered 503 SERVER_BUSY and closed. "
                    + "Each takes about 24 KB of heap, counted in the half of the heap the server's buffers share: raise -Xmx with it"));
    public static final Setting<Integer> HTTP_MAX_CONNECTIONS_PER_CLIENT = declare(Setting.of("HTTP_MAX_CONNECTIONS_PER_CLIENT", "128",
            integer(1, 1_000_000), "TCP connections one client IP (an IPv6 client: its IPV6_CLIENT_PREFIX) may have open at once, so that "
                    + "one client cannot take all HTTP_MAX_CONNECTIONS; one more is answered 429 RATE_LIMIT (scope connections) and closed. "
                    + "A TRUSTED_PROXIES peer's connections count only in HTTP_MAX_CONNECTIONS"));
    public static final Setting<List<String>> FRONTEND_ORIGIN = declare(Setting.of("FRONTEND_ORIGIN", "http://localhost:5173", origins(),
            "CORS origin; a comma-separated list is allowed. Also the browser origins a WebSocket handshake on `/api/rpc` is accepted from (with `*`: the server's own host only)"));
    public static final Setting<String> LOG_LEVEL = declare(Setting.of("LOG_LEVEL", "info", choice("trace", "debug", "info", "warn", "error"),
            "trace, debug, info, warn, error"));
    public static final Setting<Duration> TX_REPLACE_AFTER_MS = declare(Setting.of("TX_REPLACE_AFTER_MS", "30000", millis(1000, 86_400_000),
            "a faucet transaction not mined after this long, while none of its key's was mined in that time either, is re-sent with fees raised ≥ 12.5 %"));
    public static final Setting<Duration> FAUCET_SEND_WAIT_MS = declare(Setting.of("FAUCET_SEND_WAIT_MS", "40", millis(1, 600_000),
            "the bound on a `POST /api/faucet` answer, counted from the request's arrival: a grant signed and stored whose transaction the "
                    + "node has not taken by then is answered 202 (`status: pending`, with its `txHash`) and the send finishes in the background "
                    + "(re-sent by the tracker if the process ends first). Signing and storing are never cut short, so an answer can come later "
                    + "than this when they do; the node's send then gets no wait. With a node 20–40 ms away, add its round trip (docs/operations.md). "
                    + "A send takes at most NODE_TIMEOUT_MS in any case"));
    public static final Setting<Integer> FAUCET_CONFIRMATIONS = declare(Setting.of("FAUCET_CONFIRMATIONS", "2", integer(1, 1000),
            "a grant is `confirmed` once its block has this many confirmations (1 = included); until then it is `submitted` with its `blockNumber`"));
    public static final Setting<Integer> REORG_WATCH_BLOCKS = declare(Setting.of("REORG_WATCH_BLOCKS", "64", integer(1, 4096),
            "grants in the newest this-many blocks are checked against the canonical chain on every tracker pass; one whose block is gone is re-opened and paid once. At least FAUCET_CONFIRMATIONS"));
    public static final Setting<Wei> MAX_FEE_PER_GAS_GWEI = declare(Setting.of("MAX_FEE_PER_GAS_GWEI", "500", gwei(1, 1_000_000_000),
            "ceiling for any fee the faucet offers; at the ceiling the same bytes are re-sent instead"));
    public static final Setting<Duration> STATUS_REFRESH_MS = declare(Setting.of("STATUS_REFRESH_MS", "1000", millis(100, 600_000),
            "how often the status snapshot is refreshed from the node; a snapshot older than 3 × this + 2 × NODE_TIMEOUT_MS makes `/api/status` say `api: degraded`"));
    public static final Setting<Boolean> MIGRATE_ON_START = declare(Setting.of("MIGRATE_ON_START", "true", bool(),
            "`serve` applies pending migrations; `false` makes it refuse an unmigrated database"));
    public static final Setting<Duration> DEV_BLOCK_TIME_MS = declare(Setting.of("DEV_BLOCK_TIME_MS", "1000", millis(50, 600_000),
            "block interval of the embedded dev chain"));
    public static final Setting<Boolean> WEB_PAGE = declare(Setting.of("WEB_PAGE", "true", bool(),
            "serve the faucet web page at `/`; `false` leaves `/` a JSON 404 (the API, `/openapi.yaml` included, is unchanged)"));
    public static final Setting<Optional<String>> INSTANCE_ID = declare(Setting.of("INSTANCE_ID", "", optional(text()),
            "this instance's name in `/api/status` (`instance`, `payer`), the logs and the payer lease")
            .shown("`<hostname>:<PORT>`"));
    public static final Setting<Duration> PAYER_LEASE_MS = declare(Setting.of("PAYER_LEASE_MS", "10000", millis(1000, 3_600_000),
            "the payer lease (see [operations](operations.md#several-instances)): a payer that has not renewed it for this long is "
                    + "replaced by another instance; it is renewed every tenth of this (at most every second). Timed by the "
                    + "database's clock, not the instances'"));

    private static <T> Setting<T> declare(Setting<T> setting) {
        DECLARED.add(setting);
        return setting;
    }

    /** Every setting, in the order of docs/configuration.md. */
    public static List<Setting<?>> declared() {
        return List.copyOf(DECLARED);
    }

    public static Optional<Setting<?>> declared(String name) {
        return DECLARED.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** A decimal in (0, 1]. */
    private static Setting.Reader<BigDecimal> fraction() {
        return v -> {
            BigDecimal f;
            try {
                f = new BigDecimal(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be a decimal number like 0.1, got '" + v + "'");
            }
            if (f.signum() <= 0 || f.compareTo(BigDecimal.ONE) > 0) {
                throw new IllegalArgumentException("must be greater than 0 and at most 1, got " + v);
            }
            return f;
        };
    }

    private static Setting.Reader<String> longToken() {
        return v -> {
            if (v.length() < 32) {
                throw new IllegalArgumentException("must be at least 32 characters");
            }
            return v;
        };
    }

    /** One URL or a comma-separated list; a problem names the node's position, never its URL (it may hold a password). */
    private static Setting.Reader<List<URI>> nodeUrls() {
        return v -> {
            List<String> items = list().read(v);
            List<URI> out = new ArrayList<>();
            List<String> whys = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                try {
                    out.add(httpUrl().read(items.get(i)));
                } catch (IllegalArgumentException e) {
                    whys.add((items.size() > 1 ? "node " + (i + 1) + ": " : "") + "must be an http:// or https:// URL");
                }
            }
            if (!whys.isEmpty()) {
                throw new Setting.Invalid(whys);
            }
            return List.copyOf(out);
        };
    }

    private static Setting.Reader<List<String>> methods() {
        return v -> {
            List<String> methods = list().read(v);
            if (methods.isEmpty()) {
                throw new IllegalArgumentException("must name at least one method");
            }
            return methods;
        };
    }

    private static Setting.Reader<List<String>> origins() {
        return v -> {
            List<String> origins = list().read(v);
            List<String> whys = new ArrayList<>();
            for (String origin : origins) {
                if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                    whys.add("'" + origin + "' is not an origin like https://app.example.org");
                }
            }
            if (!whys.isEmpty()) {
                throw new Setting.Invalid(whys);
            }
            return origins;
        };
    }

    /** Values by setting name; every declared setting has one. */
    private final Map<String, Object> values;

    private Settings(Map<String, Object> values) {
        this.values = Map.copyOf(values);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return (T) values.get(setting.name());
    }

    /** A copy with one value replaced. */
    public <T> Settings with(Setting<T> setting, T value) {
        Map<String, Object> copy = new HashMap<>(values);
        copy.put(setting.name(), value);
        return new Settings(copy);
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
        Map<String, Object> copy = new HashMap<>(values);
        copy.replaceAll((name, v) -> v instanceof Path p ? workDir.resolve(p)
                : v instanceof Optional<?> o && o.orElse(null) instanceof Path p ? Optional.of(workDir.resolve(p)) : v);
        return new Settings(copy);
    }

    /** A copy with the admin token set (dev mode generates one). */
    public Settings withAdminToken(String token) {
        return with(ADMIN_TOKEN, Optional.of(token));
    }

    @Override
    public String toString() {
        // never print the secrets, even by accident
        // nor the node URLs: they may carry credentials
        return "Settings[port=" + port() + ", nodes=" + rpcUrls().size() + ", dbPath=" + dbPath() + ", devMode=" + devMode() + "]";
    }

    public boolean devMode() {
        return rpcUrls().isEmpty();
    }

    public Path dataDir() {
        Path parent = dbPath().toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    /** Reads every declared setting from {@code raw} (a missing one takes its default). */
    public static Settings from(Map<String, String> raw) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> values = new HashMap<>();
        for (Setting<?> s : DECLARED) {
            s.read(raw.get(s.name()), problems).ifPresent(v -> values.put(s.name(), v));
        }
        crossCheck(values, problems);
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems);
        }
        return new Settings(values);
    }

    /** Rules that span settings; a setting that did not read is already reported. */
    private static void crossCheck(Map<String, Object> values, List<String> problems) {
        if (values.get(FAUCET_CONFIRMATIONS.name()) instanceof Integer confirmations
                && values.get(REORG_WATCH_BLOCKS.name()) instanceof Integer watch && watch < confirmations) {
            problems.add("REORG_WATCH_BLOCKS: must be at least FAUCET_CONFIRMATIONS (" + confirmations + ")");
        }
        if (values.get(FAUCET_POW_SCRYPT_N.name()) instanceof Integer n && values.get(FAUCET_POW_SCRYPT_R.name()) instanceof Integer r) {
            if (Integer.bitCount(n) != 1) {
                problems.add("FAUCET_POW_SCRYPT_N: must be a power of two, got " + n);
            } else if (128L * n * r > 256L * 1024 * 1024) {
                problems.add("FAUCET_POW_SCRYPT_N: one check would take 128·N·r = " + (128L * n * r >> 20)
                        + " MiB; keep it at most 256 MiB");
            }
        }
        if (values.get(RPC_MAX_FILTERS_PER_CLIENT.name()) instanceof Integer perClient
                && values.get(RPC_MAX_FILTERS.name()) instanceof Integer total && total < perClient) {
            problems.add("RPC_MAX_FILTERS: must be at least RPC_MAX_FILTERS_PER_CLIENT (" + perClient + ")");
        }
        if (!(values.get(RPC_URL.name()) instanceof List<?> urls) || urls.isEmpty()) {
            return;
        }
        if (Optional.empty().equals(values.get(ADMIN_TOKEN.name()))) {
            problems.add("ADMIN_TOKEN: required when RPC_URL is set");
        }
        if (Optional.empty().equals(values.get(FAUCET_PRIVATE_KEY.name()))
                && values.get(FAUCET_KEY_FILE.name()) instanceof Path keyFile && !Files.exists(keyFile)) {
            problems.add("FAUCET_PRIVATE_KEY: required when RPC_URL is set (or a key file at FAUCET_KEY_FILE " + keyFile + ")");
        }
    }

    /** The effective configuration as NAME=value lines, secrets masked. */
    public static List<String> describe(Map<String, String> raw, Function<String, String> originOf) {
        return DECLARED.stream()
                .sorted(Comparator.comparing(Setting::name))
                .map(s -> s.describe(raw.getOrDefault(s.name(), s.defaultValue()), originOf.apply(s.name())))
                .toList();
    }

    // Typed accessors for the settings many callers read.

    public int port() {
        return get(PORT);
    }

    public String host() {
        return get(HOST);
    }

    /** Empty: the embedded dev chain. */
    public List<URI> rpcUrls() {
        return get(RPC_URL);
    }

    public Optional<Long> chainId() {
        return get(CHAIN_ID);
    }

    public Optional<String> faucetPrivateKey() {
        return get(FAUCET_PRIVATE_KEY);
    }

    public Path faucetKeyFile() {
        return get(FAUCET_KEY_FILE);
    }

    public Wei dripAmount() {
        return get(FAUCET_DRIP_AMOUNT);
    }

    public Wei minBalance() {
        return get(FAUCET_MIN_BALANCE);
    }

    public Wei dailyCap() {
        return get(FAUCET_DAILY_CAP);
    }

    public int perIpPerDay() {
        return get(RATE_LIMIT_PER_IP_PER_DAY);
    }

    public int perSubnetPerDay() {
        return get(RATE_LIMIT_PER_SUBNET_PER_DAY);
    }

    /** The outflow budget's refill per day: FAUCET_OUTFLOW_PER_DAY, else the daily cap. */
    public Wei outflowPerDay() {
        return get(FAUCET_OUTFLOW_PER_DAY).orElse(dailyCap());
    }

    /** FAUCET_OUTFLOW_BUFFER, else one hour of outflow. */
    public Wei outflowBuffer() {
        return get(FAUCET_OUTFLOW_BUFFER).orElseGet(() -> new Wei(outflowPerDay().value().divide(BigInteger.valueOf(24))));
    }

    public int perAddressPerDay() {
        return get(RATE_LIMIT_PER_ADDRESS_PER_DAY);
    }

    public int suspiciousAddressesPerIpPerHour() {
        return get(SUSPICIOUS_ADDRESSES_PER_IP_PER_HOUR);
    }

    public int requestsPerMinute() {
        return get(RATE_LIMIT_REQUESTS_PER_MINUTE);
    }

    public int rpcRequestsPerMinute() {
        return get(RPC_RATE_LIMIT_PER_MINUTE);
    }

    public Optional<String> adminToken() {
        return get(ADMIN_TOKEN);
    }

    public List<IpRange> adminAllowedIps() {
        return get(ADMIN_ALLOWED_IPS);
    }

    public List<IpRange> trustedProxies() {
        return get(TRUSTED_PROXIES);
    }

    public Duration nodeTimeout() {
        return get(NODE_TIMEOUT_MS);
    }

    public Optional<Duration> blockTime() {
        return get(BLOCK_TIME_MS);
    }

    public int maxConcurrency() {
        return get(MAX_CONCURRENCY);
    }

    public List<String> rpcAllowedMethods() {
        return get(RPC_ALLOWED_METHODS);
    }

    public Duration httpReadTimeout() {
        return get(HTTP_READ_TIMEOUT_MS);
    }

    public Duration httpIdleTimeout() {
        return get(HTTP_IDLE_TIMEOUT_MS);
    }

    public int rpcMaxBatch() {
        return get(RPC_MAX_BATCH);
    }

    public int rpcMaxResponseBytes() {
        return get(RPC_MAX_RESPONSE_BYTES);
    }

    public int rpcMaxLogsBlockRange() {
        return get(RPC_MAX_LOGS_BLOCK_RANGE);
    }

    public int upstreamMaxLagBlocks() {
        return get(UPSTREAM_MAX_LAG_BLOCKS);
    }

    public Path dbPath() {
        return get(DB_PATH);
    }

    public Path backupDir() {
        return get(BACKUP_DIR);
    }

    public int backupKeep() {
        return get(BACKUP_KEEP);
    }

    public int retentionGrantsDays() {
        return get(RETENTION_GRANTS_DAYS);
    }

    public int retentionFingerprintsDays() {
        return get(RETENTION_FINGERPRINTS_DAYS);
    }

    public long requestSizeLimit() {
        return get(REQUEST_SIZE_LIMIT);
    }

    public List<String> frontendOrigins() {
        return get(FRONTEND_ORIGIN);
    }

    public String logLevel() {
        return get(LOG_LEVEL);
    }

    public Duration txReplaceAfter() {
        return get(TX_REPLACE_AFTER_MS);
    }

    public Wei maxFeePerGas() {
        return get(MAX_FEE_PER_GAS_GWEI);
    }

    public Duration statusRefresh() {
        return get(STATUS_REFRESH_MS);
    }

    public boolean migrateOnStart() {
        return get(MIGRATE_ON_START);
    }

    public Duration devBlockTime() {
        return get(DEV_BLOCK_TIME_MS);
    }

    /** INSTANCE_ID, or {@code <hostname>:<PORT>} when it is not set. */
    public String instance() {
        return get(INSTANCE_ID).orElseGet(() -> hostName() + ":" + port());
    }

    /**
     * The kernel's host name. Read from /proc on Linux: {@code InetAddress.getLocalHost()} also
     * resolves the name (25-50 ms at every start here, and as long as the resolver's timeout when
     * the name is in no hosts file and DNS does not answer).
     */
    private static String hostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (java.io.IOException | RuntimeException notLinux) {
            // asked of the resolver below
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    public Optional<String> databaseUrl() {
        return get(DATABASE_URL);
    }

    public Duration payerLease() {
        return get(PAYER_LEASE_MS);
    }
}
