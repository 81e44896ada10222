package com.dytallix.adapters.node;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.FeeSuggestion;
import com.dytallix.domain.sync.BlockHead;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.sync.RawJson;
import com.dytallix.domain.sync.Receipt;
import com.dytallix.domain.sync.SyncProgress;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The embedded, in-process dev chain used when RPC_URL is unset and as an in-memory node in
 * tests. It behaves like a small real node: it decodes and verifies signed transactions (EIP-1559
 * and legacy EIP-155), keeps a pool with nonce gaps and the replacement rule, mines blocks on a
 * timer with a constant EIP-1559 base fee, and answers the read-only JSON-RPC a wallet needs. Its
 * error messages are those of geth, so they classify the same way. Only plain value transfers are
 * executed; there is no EVM. Thread-safe.
 */
public final class DevChain implements ChainNode, AutoCloseable {
    public static final long CHAIN_ID = 1337;
    public static final Wei BASE_FEE = Wei.of(1_000_000_000L);
    /** The tip the chain suggests; eth_gasPrice is base fee + this. */
    public static final Wei PRIORITY_FEE = Wei.of(1_000_000_000L);
    public static final Duration DEFAULT_BLOCK_TIME = Duration.ofSeconds(1);
    static final long BLOCK_GAS_LIMIT = 30_000_000;
    /** Like geth's per-account queue limit: a nonce further ahead than this is refused. */
    static final int MAX_NONCE_GAP = 64;
    /** Older blocks are forgotten with their transactions and receipts, like a node that prunes history. */
    static final int KEPT_BLOCKS = 4096;
    private static final int SEND_ERROR_CODE = -32000;
    private static final BigInteger REPLACEMENT_PERCENT = BigInteger.valueOf(110);
    private static final String ZERO_HASH = "0x" + "00".repeat(32);
    private static final String ZERO_ADDRESS = "0x" + "00".repeat(20);
    private static final System.Logger LOG = System.getLogger(DevChain.class.getName());
    private static final ObjectMapper JSON = NodeJson.mapper();
    private static final HexFormat HEX = HexFormat.of();

    private record Block(long number, String hash, String parentHash, long timestamp, List<TxHash> transactions, long gasUsed) {
    }

    private record Pending(TransactionCodec.Decoded tx) {
    }

    private record Mined(TransactionCodec.Decoded tx, Block block, int index, long gasUsed, BigInteger effectiveGasPrice) {
    }

    private static final class Account {
        BigInteger balance = BigInteger.ZERO;
        long nonce;
    }

    private final Object lock = new Object();
    private final Clock clock;
    /** The hash of this chain's block 0, which names the chain (the block itself is forgotten like any other). */
    private final String genesisHash;
    private final Duration blockTime;
    private final Map<Address, Account> accounts = new HashMap<>();
    private final Map<Address, TreeMap<Long, Pending>> pool = new TreeMap<>((a, b) -> a.value().compareTo(b.value()));
    private final Map<TxHash, Pending> poolByHash = new HashMap<>();
    private final Map<TxHash, Mined> mined = new HashMap<>();
    private final NavigableMap<Long, Block> blocks = new TreeMap<>();
    private final Map<String, Block> blocksByHash = new HashMap<>();
    private final ScheduledExecutorService miner;
    private ScheduledFuture<?> mining;
    private Block latest;

    /** A chain producing a block every second. */
    public DevChain() {
        this(DEFAULT_BLOCK_TIME);
    }

    /**
     * A chain producing a block every {@code blockTime}; {@link #stopMining()} stops the timer.
     * Block timestamps are whole seconds and strictly increasing, so block times under a second
     * (tests) make them run ahead of the clock.
     */
    public DevChain(Duration blockTime) {
        this(blockTime, Clock.systemUTC());
    }

    DevChain(Duration blockTime, Clock clock) {
        this(blockTime, clock, true);
    }

    /**
     * A chain whose block timer does not run from the start: it mines on {@link #mineNow()}, and every
     * {@code blockTime} after {@link #resumeMining()}. A test that stopped a running chain's timer right
     * after making it raced with the first tick: on a busy machine more than a block time can pass
     * between the two, and a block the test did not ask for shifted its numbers.
     */
    static DevChain stopped(Duration blockTime) {
        return new DevChain(blockTime, Clock.systemUTC(), false);
    }

    private DevChain(Duration blockTime, Clock clock, boolean mining) {
        if (blockTime.isZero() || blockTime.isNegative()) {
            throw new IllegalArgumentException("block time must be positive");
        }
        this.clock = clock;
        this.blockTime = blockTime;
        // a random seed in the genesis hash: every dev chain is a new chain, even two started in the same second, and the
        // ledger knows a new one by its genesis (the faucet adopts it at start)
        byte[] seed = new byte[32];
        new java.security.SecureRandom().nextBytes(seed);
        Block genesis = new Block(0, hashOf("0x" + HEX.formatHex(seed), 0, clock.instant().getEpochSecond(), List.of()),
                ZERO_HASH, clock.instant().getEpochSecond(), List.of(), 0);
        this.genesisHash = genesis.hash();
        remember(genesis);
        this.miner = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dev-chain-miner");
            t.setDaemon(true);
            return t;
        });
        if (mining) {
            resumeMining();
        }
    }

    /** Credits an account, like a genesis allocation (the dev mode funds its faucet with it). */
    public void fund(Address address, Wei amount) {
        synchronized (lock) {
            Account account = accounts.computeIfAbsent(address, a -> new Account());
            account.balance = account.balance.add(amount.value());
        }
    }

    /** Stops the block timer; transactions wait in the pool until {@link #mineNow()} or {@link #resumeMining()}. */
    public void stopMining() {
        synchronized (lock) {
            if (mining != null) {
                mining.cancel(false);
                mining = null;
            }
        }
    }

    public void resumeMining() {
        synchronized (lock) {
            if (mining == null && !miner.isShutdown()) {
                long period = blockTime.toMillis();
                mining = miner.scheduleAtFixedRate(this::mineOnTimer, period, period, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void mineOnTimer() {
        try {
            synchronized (lock) {
                // a tick that was already waiting for the lock when stopMining() ran mines nothing
                if (mining == null) {
                    return;
                }
                mineNow();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "dev chain failed to mine a block", e);
        }
    }

    /** Mines one block now with every executable pending transaction; returns its number. */
    public long mineNow() {
        synchronized (lock) {
            long number = latest.number() + 1;
            long timestamp = Math.max(clock.instant().getEpochSecond(), latest.timestamp() + 1);
            List<TransactionCodec.Decoded> included = new ArrayList<>();
            List<Long> gasUsed = new ArrayList<>();
            List<BigInteger> prices = new ArrayList<>();
            for (Map.Entry<Address, TreeMap<Long, Pending>> entry : pool.entrySet()) {
                Account sender = accounts.computeIfAbsent(entry.getKey(), a -> new Account());
                TreeMap<Long, Pending> queue = entry.getValue();
                Pending next;
                while ((next = queue.get(sender.nonce)) != null) {
                    TransactionCodec.Decoded tx = next.tx();
                    if (sender.balance.compareTo(upfrontCost(tx)) < 0) {
                        // it and its successors wait in the pool until the account is funded
                        break;
                    }
                    long gas = intrinsicGas(tx.data());
                    BigInteger price = effectiveGasPrice(tx);
                    sender.balance = sender.balance.subtract(tx.value()).subtract(price.multiply(BigInteger.valueOf(gas)));
                    Account recipient = accounts.computeIfAbsent(tx.to().orElseThrow(), a -> new Account());
                    recipient.balance = recipient.balance.add(tx.value());
                    sender.nonce++;
                    queue.remove(tx.nonce());
                    poolByHash.remove(tx.hash());
                    included.add(tx);
                    gasUsed.add(gas);
                    prices.add(price);
                }
            }
            pool.values().removeIf(TreeMap::isEmpty);
            List<TxHash> hashes = included.stream().map(TransactionCodec.Decoded::hash).toList();
            Block block = new Block(number, hashOf(latest.hash(), number, timestamp, hashes), latest.hash(), timestamp,
                    hashes, gasUsed.stream().mapToLong(Long::longValue).sum());
            for (int i = 0; i < included.size(); i++) {
                mined.put(included.get(i).hash(), new Mined(included.get(i), block, i, gasUsed.get(i), prices.get(i)));
            }
            remember(block);
            if (!included.isEmpty()) {
                LOG.log(System.Logger.Level.DEBUG, "dev chain block {0} with {1} transactions", number, included.size());
            }
            return number;
        }
    }

    private void remember(Block block) {
        latest = block;
        blocks.put(block.number(), block);
        blocksByHash.put(block.hash(), block);
        while (blocks.size() > KEPT_BLOCKS) {
            Block forgotten = blocks.pollFirstEntry().getValue();
            blocksByHash.remove(forgotten.hash());
            // its transactions and receipts go with it: the chain's memory stays bounded however long it runs
            forgotten.transactions().forEach(mined::remove);
        }
    }

    private static String hashOf(String parentHash, long number, long timestamp, List<TxHash> txs) {
        List<Rlp.Item> fields = new ArrayList<>(List.of(Rlp.bytes(HEX.parseHex(parentHash.substring(2))),
                Rlp.integer(number), Rlp.integer(timestamp)));
        txs.forEach(h -> fields.add(Rlp.bytes(HEX.parseHex(h.value().substring(2)))));
        return "0x" + HEX.formatHex(BouncyCastleKeccak.INSTANCE.hash(Rlp.encode(new Rlp.Sequence(fields))));
    }

    // --- ChainNode ---

    @Override
    public long chainId() {
        return CHAIN_ID;
    }

    @Override
    public BlockHead head() {
        synchronized (lock) {
            return new BlockHead(latest.number(), Instant.ofEpochSecond(latest.timestamp()), Optional.of(BASE_FEE));
        }
    }

    @Override
    public Optional<SyncProgress> syncing() {
        return Optional.empty();
    }

    @Override
    public List<Duration> recentBlockIntervals(int count) {
        synchronized (lock) {
            List<Duration> intervals = new ArrayList<>();
            long first = Math.max(blocks.firstKey(), latest.number() - Math.max(0, count));
            for (long n = first + 1; n <= latest.number(); n++) {
                intervals.add(Duration.ofSeconds(blocks.get(n).timestamp() - blocks.get(n - 1).timestamp()));
            }
            return intervals;
        }
    }

    @Override
    public Wei balance(Address address) {
        synchronized (lock) {
            Account account = accounts.get(address);
            return account == null ? Wei.ZERO : new Wei(account.balance);
        }
    }

    @Override
    public long pendingNonce(Address address) {
        synchronized (lock) {
            long nonce = minedNonce(address);
            TreeMap<Long, Pending> queue = pool.get(address);
            while (queue != null && queue.containsKey(nonce)) {
                nonce++;
            }
            return nonce;
        }
    }

    @Override
    public long minedNonce(Address address) {
        synchronized (lock) {
            Account account = accounts.get(address);
            return account == null ? 0 : account.nonce;
        }
    }

    @Override
    public FeeSuggestion fees() {
        return new FeeSuggestion(Optional.of(BASE_FEE), PRIORITY_FEE, BASE_FEE.plus(PRIORITY_FEE));
    }

    @Override
    public TxHash sendRawTransaction(String rawHex) {
        try {
            return submit(rawHex);
        } catch (NodeException e) {
            if (e.failure() == NodeFailure.ALREADY_KNOWN) {
                return TransactionCodec.hash(HEX.parseHex(rawHex.substring(2)));
            }
            throw e;
        }
    }

    @Override
    public Optional<String> blockHash(long number) {
        if (number == 0) {
            return Optional.of(genesisHash); // kept when the block itself is forgotten: it names this chain
        }
        synchronized (lock) {
            return Optional.ofNullable(blocks.get(number)).map(Block::hash);
        }
    }

    @Override
    public Optional<Receipt> receipt(TxHash hash) {
        synchronized (lock) {
            Mined m = mined.get(hash);
            return m == null ? Optional.empty() : Optional.of(new Receipt(hash, m.block().number(), m.block().hash(), true));
        }
    }

    /** Checks a transaction as a geth pool would, then queues it for the next block. */
    private TxHash submit(String rawHex) {
        if (rawHex == null || !rawHex.matches("0x([0-9a-fA-F]{2})+")) {
            throw reject("invalid transaction: rlp: raw transaction must be 0x-prefixed hex bytes");
        }
        TransactionCodec.Decoded tx;
        try {
            tx = TransactionCodec.decode(HEX.parseHex(rawHex.substring(2)));
        } catch (TransactionCodec.InvalidTransactionException e) {
            throw reject(e.getMessage().startsWith("rlp") || e.getMessage().startsWith("invalid")
                    ? e.getMessage() : "invalid transaction: " + e.getMessage());
        }
        if (tx.chainId().isEmpty()) {
            throw reject("only replay-protected (EIP-155) transactions allowed over RPC");
        }
        if (tx.chainId().getAsLong() != CHAIN_ID) {
            throw reject("invalid chain id for signer: have " + tx.chainId().getAsLong() + " want " + CHAIN_ID);
        }
        if (tx.to().isEmpty()) {
            throw reject("contract creation is not supported by the dev chain");
        }
        if (tx.accessListEntries() > 0) {
            throw reject("invalid transaction: access lists are not supported by the dev chain");
        }
        if (tx.maxPriorityFeePerGas().compareTo(tx.maxFeePerGas()) > 0) {
            throw reject("max priority fee per gas higher than max fee per gas");
        }
        if (tx.gasLimit() < intrinsicGas(tx.data())) {
            throw reject("intrinsic gas too low");
        }
        if (tx.gasLimit() > BLOCK_GAS_LIMIT) {
            throw reject("exceeds block gas limit");
        }
        if (tx.maxFeePerGas().compareTo(BASE_FEE.value()) < 0) {
            throw reject(tx.type() == TransactionCodec.LEGACY ? "transaction underpriced"
                    : "max fee per gas less than block base fee: maxFeePerGas " + tx.maxFeePerGas() + ", baseFee " + BASE_FEE);
        }
        synchronized (lock) {
            if (poolByHash.containsKey(tx.hash())) {
                throw reject("already known");
            }
            Account sender = accounts.get(tx.from());
            long minedNonce = sender == null ? 0 : sender.nonce;
            if (tx.nonce() < minedNonce) {
                throw reject("nonce too low: next nonce " + minedNonce + ", tx nonce " + tx.nonce());
            }
            if (tx.nonce() > pendingNonce(tx.from()) + MAX_NONCE_GAP) {
                throw reject("nonce too high");
            }
            TreeMap<Long, Pending> queue = pool.computeIfAbsent(tx.from(), a -> new TreeMap<>());
            Pending previous = queue.get(tx.nonce());
            if (previous != null && !outbids(tx, previous.tx())) {
                throw reject("replacement transaction underpriced");
            }
            BigInteger balance = sender == null ? BigInteger.ZERO : sender.balance;
            if (balance.compareTo(upfrontCost(tx)) < 0) {
                if (queue.isEmpty()) {
                    pool.remove(tx.from());
                }
                throw reject("insufficient funds for gas * price + value: balance " + balance + ", tx cost " + upfrontCost(tx));
            }
            if (previous != null) {
                poolByHash.remove(previous.tx().hash());
            }
            Pending pending = new Pending(tx);
            queue.put(tx.nonce(), pending);
            poolByHash.put(tx.hash(), pending);
            return tx.hash();
        }
    }

    /** geth's rule: a replacement raises both the fee cap and the tip by at least 10 %. */
    private static boolean outbids(TransactionCodec.Decoded next, TransactionCodec.Decoded previous) {
        return next.maxFeePerGas().multiply(BigInteger.valueOf(100)).compareTo(previous.maxFeePerGas().multiply(REPLACEMENT_PERCENT)) >= 0
                && next.maxPriorityFeePerGas().multiply(BigInteger.valueOf(100)).compareTo(previous.maxPriorityFeePerGas().multiply(REPLACEMENT_PERCENT)) >= 0;
    }

    private static BigInteger upfrontCost(TransactionCodec.Decoded tx) {
        return tx.value().add(tx.maxFeePerGas().multiply(BigInteger.valueOf(tx.gasLimit())));
    }

    private static BigInteger effectiveGasPrice(TransactionCodec.Decoded tx) {
        return tx.maxFeePerGas().min(BASE_FEE.value().add(tx.maxPriorityFeePerGas()));
    }

    static long intrinsicGas(byte[] data) {
        long gas = 21_000;
        for (byte b : data) {
            gas += b == 0 ? 4 : 16;
        }
        return gas;
    }

    private static NodeException reject(String message) {
        return new NodeException(RpcErrors.classify(message), message, SEND_ERROR_CODE, null, null);
    }

    // --- JSON-RPC for the relay and wallets ---

    @Override
    public RawJson call(String method, String paramsJson) {
        JsonNode params = params().parse(method, paramsJson);
        if (!params.isArray()) {
            throw RelayParams.invalid("the dev chain takes params as a JSON array");
        }
        try {
            byte[] answer = JSON.writeValueAsBytes(answer(method, params));
            return new RawJson(answer, 0, answer.length);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        } catch (NodeException e) {
            // as over the wire: every error object reaches the relay as RPC_ERROR
            throw e.failure() == NodeFailure.RPC_ERROR ? e : new NodeException(NodeFailure.RPC_ERROR, e.getMessage(),
                    e.rpcCode().orElse(SEND_ERROR_CODE), e.rpcDataJson().orElse(null), null);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw RelayParams.invalid(e.getMessage());
        }
    }

    private RelayParams params() {
        return new RelayParams(JSON, RelayParams.DEFAULT_MAX_LOGS_BLOCK_RANGE, () -> head().number());
    }

    private JsonNode answer(String method, JsonNode params) {
        return switch (method) {
            case "eth_chainId" -> text(Quantity.hex(CHAIN_ID));
            case "net_version" -> text(Long.toString(CHAIN_ID));
            case "web3_clientVersion" -> text("dytallix-devchain/1.0");
            case "eth_syncing" -> JSON.getNodeFactory().booleanNode(false);
            case "eth_blockNumber" -> text(Quantity.hex(head().number()));
            case "eth_gasPrice" -> text(Quantity.hex(fees().gasPrice().value()));
            case "eth_maxPriorityFeePerGas" -> text(Quantity.hex(PRIORITY_FEE.value()));
            case "eth_getBalance" -> text(Quantity.hex(balance(address(params, 0)).value()));
            case "eth_getTransactionCount" -> {
                Address address = address(params, 0);
                yield text(Quantity.hex("pending".equals(params.path(1).asText()) ? pendingNonce(address) : minedNonce(address)));
            }
            case "eth_getBlockByNumber" -> blockByNumber(params);
            case "eth_getTransactionReceipt" -> receiptJson(hash(params));
            case "eth_getTransactionByHash" -> transactionJson(hash(params));
            case "eth_feeHistory" -> feeHistory(params);
            case "eth_estimateGas" -> estimateGas(params);
            case "eth_call" -> text("0x");
            case "eth_getLogs" -> logs(params);
            case "eth_sendRawTransaction" -> text(submit(params.path(0).asText(null)).value());
            default -> throw new NodeException(NodeFailure.RPC_ERROR, "the method " + method + " does not exist/is not available", -32601, null, null);
        };
    }

    private static JsonNode text(String value) {
        return JSON.getNodeFactory().textNode(value);
    }

    private static Address address(JsonNode params, int index) {
        return Address.parse(params.path(index).asText(null), BouncyCastleKeccak.INSTANCE);
    }

    private static TxHash hash(JsonNode params) {
        return new TxHash(params.path(0).asText(null));
    }

    /** Block tags resolve to the latest block: the dev chain keeps only current state. */
    private Optional<Block> resolveBlock(JsonNode tag) {
        synchronized (lock) {
            String t = tag.isMissingNode() || tag.isNull() ? "latest" : tag.asText();
            return switch (t) {
                case "latest", "pending", "safe", "finalized" -> Optional.of(latest);
                case "earliest" -> Optional.ofNullable(blocks.get(0L));
                default -> {
                    BigInteger n = Quantity.parse(t);
                    yield n.bitLength() > 63 ? Optional.empty() : Optional.ofNullable(blocks.get(n.longValue()));
                }
            };
        }
    }

    private JsonNode blockByNumber(JsonNode params) {
        boolean full = params.path(1).asBoolean(false);
        synchronized (lock) {
            return resolveBlock(params.path(0)).<JsonNode>map(b -> blockJson(b, full)).orElse(NullNode.getInstance());
        }
    }

    private JsonNode blockJson(Block block, boolean fullTransactions) {
        ObjectNode out = JSON.createObjectNode();
        out.put("number", Quantity.hex(block.number()));
        out.put("hash", block.hash());
        out.put("parentHash", block.parentHash());
        out.put("timestamp", Quantity.hex(block.timestamp()));
        out.put("baseFeePerGas", Quantity.hex(BASE_FEE.value()));
        out.put("gasLimit", Quantity.hex(BLOCK_GAS_LIMIT));
        out.put("gasUsed", Quantity.hex(block.gasUsed()));
        out.put("miner", ZERO_ADDRESS);
        out.put("difficulty", "0x0");
        out.put("totalDifficulty", "0x0");
        out.put("extraData", "0x");
        out.put("nonce", "0x0000000000000000");
        out.put("mixHash", ZERO_HASH);
        out.put("sha3Uncles", ZERO_HASH);
        out.put("stateRoot", ZERO_HASH);
        out.put("transactionsRoot", ZERO_HASH);
        out.put("receiptsRoot", ZERO_HASH);
        out.put("logsBloom", "0x" + "00".repeat(256));
        out.put("size", "0x0");
        out.putArray("uncles");
        ArrayNode txs = out.putArray("transactions");
        for (TxHash h : block.transactions()) {
            if (fullTransactions) {
                txs.add(transactionJson(h));
            } else {
                txs.add(h.value());
            }
        }
        return out;
    }

    private JsonNode receiptJson(TxHash hash) {
        synchronized (lock) {
            Mined m = mined.get(hash);
            if (m == null) {
                return NullNode.getInstance();
            }
            ObjectNode out = JSON.createObjectNode();
            out.put("transactionHash", hash.value());
            out.put("transactionIndex", Quantity.hex(m.index()));
            out.put("blockHash", m.block().hash());
            out.put("blockNumber", Quantity.hex(m.block().number()));
            out.put("from", m.tx().from().lower());
            out.put("to", m.tx().to().orElseThrow().lower());
            out.put("cumulativeGasUsed", Quantity.hex(cumulativeGas(m)));
            out.put("gasUsed", Quantity.hex(m.gasUsed()));
            out.put("effectiveGasPrice", Quantity.hex(m.effectiveGasPrice()));
            out.putNull("contractAddress");
            out.putArray("logs");
            out.put("logsBloom", "0x" + "00".repeat(256));
            out.put("type", Quantity.hex(m.tx().type()));
            out.put("status", "0x1");
            return out;
        }
    }

    private long cumulativeGas(Mined m) {
        long total = 0;
        for (TxHash h : m.block().transactions().subList(0, m.index() + 1)) {
            total += mined.get(h).gasUsed();
        }
        return total;
    }

    private JsonNode transactionJson(TxHash hash) {
        synchronized (lock) {
            Mined m = mined.get(hash);
            Pending p = poolByHash.get(hash);
            if (m == null && p == null) {
                return NullNode.getInstance();
            }
            TransactionCodec.Decoded tx = m != null ? m.tx() : p.tx();
            ObjectNode out = JSON.createObjectNode();
            out.put("hash", hash.value());
            out.put("type", Quantity.hex(tx.type()));
            out.put("chainId", Quantity.hex(tx.chainId().orElse(CHAIN_ID)));
            out.put("nonce", Quantity.hex(tx.nonce()));
            out.put("from", tx.from().lower());
            out.put("to", tx.to().orElseThrow().lower());
            out.put("value", Quantity.hex(tx.value()));
            out.put("gas", Quantity.hex(tx.gasLimit()));
            out.put("input", "0x" + HEX.formatHex(tx.data()));
            if (tx.type() == TransactionCodec.EIP1559) {
                out.put("maxFeePerGas", Quantity.hex(tx.maxFeePerGas()));
                out.put("maxPriorityFeePerGas", Quantity.hex(tx.maxPriorityFeePerGas()));
                out.putArray("accessList");
                out.put("yParity", Quantity.hex(tx.v()));
            }
            out.put("gasPrice", Quantity.hex(m != null ? m.effectiveGasPrice() : tx.maxFeePerGas()));
            out.put("v", Quantity.hex(tx.v()));
            out.put("r", Quantity.hex(tx.r()));
            out.put("s", Quantity.hex(tx.s()));
            if (m != null) {
                out.put("blockHash", m.block().hash());
                out.put("blockNumber", Quantity.hex(m.block().number()));
                out.put("transactionIndex", Quantity.hex(m.index()));
            } else {
                out.putNull("blockHash");
                out.putNull("blockNumber");
                out.putNull("transactionIndex");
            }
            return out;
        }
    }

    private JsonNode feeHistory(JsonNode params) {
        JsonNode countNode = params.path(0);
        long requested = countNode.isIntegralNumber() ? countNode.longValue() : Quantity.parse(countNode.asText(null)).longValueExact();
        synchronized (lock) {
            Block newest = resolveBlock(params.path(1)).orElseThrow(() -> new IllegalArgumentException("unknown block"));
            long oldest = Math.max(blocks.firstKey(), newest.number() - Math.max(1, Math.min(requested, 1024)) + 1);
            ObjectNode out = JSON.createObjectNode();
            out.put("oldestBlock", Quantity.hex(oldest));
            ArrayNode baseFees = out.putArray("baseFeePerGas");
            ArrayNode ratios = out.putArray("gasUsedRatio");
            JsonNode percentiles = params.path(2);
            ArrayNode rewards = percentiles.isArray() ? out.putArray("reward") : null;
            for (long n = oldest; n <= newest.number(); n++) {
                baseFees.add(Quantity.hex(BASE_FEE.value()));
                ratios.add((double) blocks.get(n).gasUsed() / BLOCK_GAS_LIMIT);
                if (rewards != null) {
                    ArrayNode perBlock = rewards.addArray();
                    percentiles.forEach(p -> perBlock.add(Quantity.hex(PRIORITY_FEE.value())));
                }
            }
            // the base fee of the block after the newest
            baseFees.add(Quantity.hex(BASE_FEE.value()));
            return out;
        }
    }

    /** The dev chain runs no contracts, so no block has logs; the filter is still checked as a node checks it. */
    private JsonNode logs(JsonNode params) {
        JsonNode filter = params.path(0);
        if (!filter.isObject()) {
            throw new IllegalArgumentException("a filter object is required");
        }
        if (filter.has("blockHash")) {
            synchronized (lock) {
                if (!blocksByHash.containsKey(filter.get("blockHash").asText().toLowerCase(java.util.Locale.ROOT))) {
                    throw new NodeException(NodeFailure.RPC_ERROR, "unknown block", SEND_ERROR_CODE, null, null);
                }
            }
        }
        return JSON.createArrayNode();
    }

    private JsonNode estimateGas(JsonNode params) {
        JsonNode call = params.path(0);
        if (!call.isObject()) {
            throw new IllegalArgumentException("a call object is required");
        }
        if (!call.hasNonNull("to")) {
            throw new NodeException(NodeFailure.RPC_ERROR, "contract creation is not supported by the dev chain", SEND_ERROR_CODE, null, null);
        }
        String input = call.hasNonNull("input") ? call.get("input").asText() : call.path("data").asText("0x");
        if (!input.matches("0x([0-9a-fA-F]{2})*")) {
            throw new IllegalArgumentException("input must be 0x-prefixed hex bytes");
        }
        return text(Quantity.hex(intrinsicGas(HEX.parseHex(input.substring(2)))));
    }

    /** Stops the block timer and its thread. */
    @Override
    public void close() {
        stopMining();
        miner.shutdownNow();
        try {
            miner.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "DevChain[chainId " + CHAIN_ID + ", block time " + blockTime.toMillis() + " ms]";
    }
}
