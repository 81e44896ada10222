package com.dytallix.application;

import com.dytallix.domain.Address;
import com.dytallix.domain.TestKeccak;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.FeeSuggestion;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.KeyRing;
import com.dytallix.domain.key.KeyRotation;
import com.dytallix.domain.key.RetiringKey;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.SigningKey;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.sync.RawJson;
import com.dytallix.domain.sync.BlockHead;
import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.sync.BlockReader;
import com.dytallix.domain.sync.ChainLog;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.ChainReads;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.sync.Receipt;
import com.dytallix.domain.sync.SyncProgress;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An in-memory chain for application tests: a mempool with nonce ordering and fee-bump
 * replacement, blocks mined on demand (and taken away again by a reorg), every payment counted. Its "signature" is the
 * transaction's fields as text (real signing is tested in the node adapter); the rules it
 * enforces are the ones a real node does.
 */
public final class FakeChain implements ChainNode, BlockReader {
    public static final long CHAIN_ID = 4242;
    private static final HexFormat HEX = HexFormat.of();

    private final Map<Address, BigInteger> balances = new HashMap<>();
    private final Map<Address, Long> mined = new HashMap<>();
    private final Map<String, Tx> pool = new HashMap<>();
    private final Map<TxHash, Receipt> receipts = new HashMap<>();
    private boolean blockReceipts = true;
    private int blockReceiptCalls;
    private int receiptCalls;
    private final Map<Address, List<BigInteger>> payments = new ConcurrentHashMap<>();
    private final Set<Address> reverting = new HashSet<>();
    private final Set<TxHash> dropped = new HashSet<>();
    private final Set<TxHash> wedged = new HashSet<>();
    private final AtomicInteger sends = new AtomicInteger();
    private final AtomicReference<Runnable> beforeNextSend = new AtomicReference<>();
    public final AtomicInteger chainIdCalls = new AtomicInteger();
    public final AtomicInteger feeCalls = new AtomicInteger();
    public final AtomicInteger headerCalls = new AtomicInteger();
    public final AtomicInteger pendingNonceCalls = new AtomicInteger();
    public final AtomicInteger logCalls = new AtomicInteger();
    /** A relayed call as the node got it. */
    public record Call(String method, String paramsJson) {
    }

    /** Every relayed call, in order. */
    public final List<Call> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Tx> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** How relayed calls are answered; by default eth_blockNumber is the head and other methods do not exist. */
    public volatile java.util.function.BiFunction<String, String, String> relay = this::builtInCall;
    /** When set, fee questions fail as an overloaded node's would. */
    public volatile boolean feesOverloaded;
    /** When set, a fee question counts {@code asked} down and then waits for {@code released}, as a node busy mining would. */
    private volatile FeeHold feeHold;

    private record FeeHold(java.util.concurrent.CountDownLatch asked, java.util.concurrent.CountDownLatch released) {
    }

    /** Until {@code released} opens, every fee question waits on its way to the node; {@code asked} opens at the first. */
    public void holdFees(java.util.concurrent.CountDownLatch asked, java.util.concurrent.CountDownLatch released) {
        feeHold = new FeeHold(asked, released);
    }
    /** When above zero, {@link #consistent()} answers as a node of this chain that many blocks behind. */
    public volatile int consistentBehind;
    /** Canonical block hashes by height, and the transactions each block applied (for a reorg to undo). */
    private final Map<Long, String> blockHashes = new HashMap<>();
    private final Map<Long, List<Tx>> blockTxs = new HashMap<>();
    private final Map<String, List<ChainLog>> blockLogs = new ConcurrentHashMap<>();
    private int fork;
    private long height = 1;
    private int relaunches;
    private String genesis = "0x%056x%08x".formatted(0xfeedL, 0);

    {
        blockHashes.put(height, hashAt(height));
    }
    private Instant headTime = Instant.now();
    private volatile boolean down;
    private volatile Hold hold;
    private final java.util.concurrent.atomic.AtomicInteger sendAttempts = new java.util.concurrent.atomic.AtomicInteger();
    private volatile NodeFailure failSends;
    private volatile int failSendsRemaining;
    public volatile Wei baseFee = Wei.of(1_000_000_000L);

    public record Tx(Address from, long nonce, Address to, BigInteger value, Fees fees, String raw, TxHash hash) {
    }

    public synchronized void fund(Address a, Wei amount) {
        balances.merge(a, amount.value(), BigInteger::add);
    }

    public synchronized void setBalance(Address a, Wei amount) {
        balances.put(a, amount.value());
    }

    public void down(boolean down) {
        this.down = down;
    }

    /** The next {@code count} sends fail with {@code failure} before reaching the pool. */
    public void failSends(NodeFailure failure, int count) {
        this.failSends = failure;
        this.failSendsRemaining = count;
    }

    public synchronized void revertPaymentsTo(Address a) {
        reverting.add(a);
    }

    /** The node forgets a pooled transaction (as after a node restart). */
    public synchronized void dropFromPool(TxHash hash) {
        pool.values().removeIf(t -> t.hash().equals(hash));
        dropped.add(hash);
    }

    /**
     * The node keeps a pooled transaction it neither counts ({@link #pendingNonce}) nor mines, and answers a send of
     * the same bytes as known (as anvil 1.7.1 does to one it queued behind a nonce mined meanwhile); another
     * transaction at its nonce takes its place as usual.
     */
    public synchronized void wedge(TxHash hash) {
        wedged.add(hash);
    }

    /** A wedged transaction is mined as usual again. */
    public synchronized void unwedge(TxHash hash) {
        wedged.remove(hash);
    }

    /**
     * Mines a block: every pooled transaction that is next in line for its sender, and these logs
     * (their block number, hash and log index become the block's). Returns the block's header.
     */
    public synchronized BlockHeader mine(ChainLog... logs) {
        minePool();
        String hash = blockHashes.get(height);
        List<ChainLog> placed = new ArrayList<>();
        for (int i = 0; i < logs.length; i++) {
            ChainLog l = logs[i];
            placed.add(new ChainLog(l.address(), l.topics(), l.data(), height, hash, l.transactionHash(), l.transactionIndex(), i, false));
        }
        blockLogs.put(hash, placed);
        return headerAt(height).orElseThrow();
    }

    /** How many transactions a block holds; the rest wait in the pool for the next. */
    public volatile int blockCapacity = Integer.MAX_VALUE;

    private void minePool() {
        boolean progress = true;
        int room = blockCapacity;
        while (progress) {
            progress = false;
            for (Tx t : new ArrayList<>(pool.values())) {
                if (t.nonce() != mined.getOrDefault(t.from(), 0L) || wedged.contains(t.hash()) || room == 0) {
                    continue;
                }
                room--;
                pool.remove(key(t.from(), t.nonce()));
                BigInteger gas = BigInteger.valueOf(21_000).multiply(effectivePrice(t.fees()));
                boolean revert = reverting.contains(t.to());
                BigInteger moved = revert ? BigInteger.ZERO : t.value();
                balances.merge(t.from(), moved.add(gas).negate(), BigInteger::add);
                balances.merge(t.to(), moved, BigInteger::add);
                if (!revert && t.value().signum() > 0) {
                    payments.computeIfAbsent(t.to(), a -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(t.value());
                }
                mined.put(t.from(), t.nonce() + 1);
                receipts.put(t.hash(), new Receipt(t.hash(), height + 1, hashAt(height + 1), !revert));
                blockTxs.computeIfAbsent(height + 1, h -> new ArrayList<>()).add(t);
                progress = true;
            }
        }
        height++;
        blockHashes.put(height, hashAt(height));
        headTime = Instant.now();
    }

    private String hashAt(long number) {
        return "0x%056x%08x".formatted(number, fork);
    }

    /**
     * Takes the newest {@code depth} blocks off the chain, undoing what their transactions did, as a
     * reorg onto a fork without them would. With {@code requeue} the orphaned transactions go back
     * to the pool (as geth does); without, they are gone (as after anvil_reorg). Mine again to grow
     * the new fork; its blocks have new hashes.
     */
    public synchronized void reorg(int depth, boolean requeue) {
        fork++;
        for (int i = 0; i < depth; i++) {
            long number = height--;
            blockHashes.remove(number);
            for (Tx t : blockTxs.getOrDefault(number, List.of()).reversed()) {
                Receipt r = receipts.remove(t.hash());
                BigInteger gas = BigInteger.valueOf(21_000).multiply(effectivePrice(t.fees()));
                BigInteger moved = r.success() ? t.value() : BigInteger.ZERO;
                balances.merge(t.from(), moved.add(gas), BigInteger::add);
                balances.merge(t.to(), moved.negate(), BigInteger::add);
                if (r.success() && t.value().signum() > 0) {
                    payments.get(t.to()).remove(t.value());
                }
                mined.put(t.from(), t.nonce());
                if (requeue) {
                    pool.put(key(t.from(), t.nonce()), t);
                }
            }
            blockTxs.remove(number);
        }
    }

    private BigInteger effectivePrice(Fees fees) {
        return switch (fees) {
            case Fees.Eip1559 e -> e.maxFeePerGas().value().min(baseFee.value().add(e.maxPriorityFeePerGas().value()));
            case Fees.Legacy l -> l.gasPrice().value();
        };
    }

    public List<BigInteger> paymentsTo(Address a) {
        return payments.getOrDefault(a, List.of());
    }

    public int totalPayments() {
        return payments.values().stream().mapToInt(List::size).sum();
    }

    public synchronized int poolSize() {
        return pool.size();
    }

    /**
     * Until {@code released} opens, every send waits on its way to the node, as a node busy mining
     * would keep it waiting; the rest of the node answers meanwhile.
     */
    public void holdSends(java.util.concurrent.CountDownLatch released) {
        hold = new Hold(released, new java.util.concurrent.atomic.AtomicBoolean());
    }

    /** The sends being held never reach the node, as if the process sending them had died; later sends are not held. */
    public void loseHeldSends() {
        Hold h = hold;
        hold = null;
        if (h != null) {
            h.lost().set(true);
            h.released().countDown();
        }
    }

    private record Hold(java.util.concurrent.CountDownLatch released, java.util.concurrent.atomic.AtomicBoolean lost) {
    }

    /** Runs {@code work} once, as the next send reaches the node and before the node looks at it. */
    public void beforeNextSend(Runnable work) {
        beforeNextSend.set(work);
    }

    /** Sends that reached the node, held or lost ones included. */
    public int sendAttempts() {
        return sendAttempts.get();
    }

    public int sendCount() {
        return sends.get();
    }

    private void check() {
        if (down) {
            throw new NodeException(NodeFailure.UNREACHABLE, "connection refused");
        }
    }

    private static String key(Address from, long nonce) {
        return from.lower() + "/" + nonce;
    }

    @Override
    public long chainId() {
        check();
        chainIdCalls.incrementAndGet();
        return CHAIN_ID;
    }

    @Override
    public synchronized BlockHead head() {
        check();
        return new BlockHead(height, headTime, Optional.of(baseFee));
    }

    @Override
    public Optional<SyncProgress> syncing() {
        check();
        return Optional.empty();
    }

    @Override
    public List<Duration> recentBlockIntervals(int blocks) {
        check();
        return List.of(Duration.ofSeconds(1));
    }

    @Override
    public synchronized Wei balance(Address address) {
        check();
        return new Wei(balances.getOrDefault(address, BigInteger.ZERO).max(BigInteger.ZERO));
    }

    @Override
    public synchronized long pendingNonce(Address address) {
        check();
        pendingNonceCalls.incrementAndGet();
        long n = mined.getOrDefault(address, 0L);
        while (pool.containsKey(key(address, n)) && !wedged.contains(pool.get(key(address, n)).hash())) {
            n++;
        }
        return n;
    }

    @Override
    public synchronized long minedNonce(Address address) {
        check();
        return mined.getOrDefault(address, 0L);
    }

    @Override
    public FeeSuggestion fees() {
        check();
        feeCalls.incrementAndGet();
        FeeHold held = feeHold;
        if (held != null) {
            held.asked().countDown();
            awaitRelease(held.released(), "held fee question never released");
        }
        if (feesOverloaded) {
            throw new NodeException(NodeFailure.OVERLOADED, "too many node calls in flight");
        }
        return new FeeSuggestion(Optional.of(baseFee), Wei.of(1_000_000_000L), baseFee.plus(Wei.of(1_000_000_000L)));
    }

    /** A held call waits (at most 30 s, then times out as a node would) until {@code released} opens. */
    private static void awaitRelease(java.util.concurrent.CountDownLatch released, String neverReleased) {
        try {
            if (!released.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new NodeException(NodeFailure.TIMEOUT, neverReleased);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(NodeFailure.TIMEOUT, "interrupted");
        }
    }

    @Override
    public TxHash sendRawTransaction(String rawHex) {
        sendAttempts.incrementAndGet();
        Hold held = hold;
        if (held != null) {
            awaitRelease(held.released(), "held send never released");
            if (held.lost().get()) {
                throw new NodeException(NodeFailure.UNREACHABLE, "the process sending it is gone");
            }
        }
        return takeRawTransaction(rawHex);
    }

    private synchronized TxHash takeRawTransaction(String rawHex) {
        Runnable first = beforeNextSend.getAndSet(null);
        if (first != null) {
            first.run();
        }
        check();
        sends.incrementAndGet();
        if (failSendsRemaining > 0) {
            failSendsRemaining--;
            throw new NodeException(failSends, "injected " + failSends);
        }
        Tx t = decode(rawHex);
        long next = mined.getOrDefault(t.from(), 0L);
        if (t.nonce() < next) {
            throw new NodeException(NodeFailure.NONCE_TOO_LOW, "nonce too low");
        }
        Tx existing = pool.get(key(t.from(), t.nonce()));
        if (existing != null) {
            if (existing.hash().equals(t.hash())) {
                return t.hash();
            }
            if (maxFee(t.fees()).multiply(BigInteger.TEN).compareTo(maxFee(existing.fees()).multiply(BigInteger.valueOf(11))) < 0) {
                throw new NodeException(NodeFailure.REPLACEMENT_UNDERPRICED, "replacement transaction underpriced");
            }
        }
        BigInteger cost = t.value().add(maxFee(t.fees()).multiply(BigInteger.valueOf(21_000)));
        if (balances.getOrDefault(t.from(), BigInteger.ZERO).compareTo(cost) < 0) {
            throw new NodeException(NodeFailure.INSUFFICIENT_FUNDS, "insufficient funds for gas * price + value");
        }
        pool.put(key(t.from(), t.nonce()), t);
        accepted.add(t);
        return t.hash();
    }

    /** Every transaction the node took into its pool, oldest first (a send of one it holds is not taken again). */
    public List<Tx> accepted() {
        return List.copyOf(accepted);
    }

    /** Every transaction the node ever took into its pool, oldest first: a nonce's transactions are all here. */
    public List<Tx> accepted(Address from, long nonce) {
        return accepted.stream().filter(t -> t.from().equals(from) && t.nonce() == nonce).toList();
    }

    private static BigInteger maxFee(Fees fees) {
        return switch (fees) {
            case Fees.Eip1559 e -> e.maxFeePerGas().value();
            case Fees.Legacy l -> l.gasPrice().value();
        };
    }

    @Override
    public synchronized Optional<Receipt> receipt(TxHash hash) {
        check();
        receiptCalls++;
        return receiptsWithheld ? Optional.empty() : Optional.ofNullable(receipts.get(hash));
    }

    private boolean receiptsWithheld;

    /**
     * A node whose state shows its newest block before its receipts do (or a block landing between a reader's head
     * and its nonce read): nonces counted, no receipt answered, by transaction or by block.
     */
    public synchronized void withholdReceipts(boolean withheld) {
        receiptsWithheld = withheld;
    }

    /** Counted, so a test can tell the tracker asked once per block rather than once per transaction. */
    @Override
    public synchronized Optional<List<Receipt>> blockReceipts(long number) {
        check();
        blockReceiptCalls++;
        if (number > height || !blockReceipts || receiptsWithheld) {
            return Optional.empty();
        }
        return Optional.of(receipts.values().stream().filter(r -> r.blockNumber() == number).toList());
    }

    /** Whether this node answers {@code eth_getBlockReceipts} (not every node does). */
    public synchronized void answersBlockReceipts(boolean answers) {
        blockReceipts = answers;
    }

    public synchronized int blockReceiptCalls() {
        return blockReceiptCalls;
    }

    public synchronized int receiptCalls() {
        return receiptCalls;
    }

    @Override
    public synchronized BlockHeader latestHeader() {
        return header(height).orElseThrow();
    }

    @Override
    public ChainReads consistent() {
        int behind = consistentBehind;
        return behind == 0 ? this : new Behind(behind);
    }

    /** This chain as a node {@code blocks} behind sees it (see {@link #consistentBehind}). */
    public ChainReads behind(int blocks) {
        return new Behind(blocks);
    }

    /** The chain as a node {@code blocks} behind sees it: the newest blocks, their receipts and nonces, not there yet. */
    private final class Behind implements ChainReads {
        private final int blocks;

        Behind(int blocks) {
            this.blocks = blocks;
        }

        private long top() {
            return height - blocks;
        }

        @Override
        public long chainId() {
            return FakeChain.this.chainId();
        }

        @Override
        public BlockHead head() {
            synchronized (FakeChain.this) {
                BlockHead head = FakeChain.this.head();
                return new BlockHead(top(), head.timestamp(), head.baseFee());
            }
        }

        @Override
        public Optional<SyncProgress> syncing() {
            return Optional.empty();
        }

        @Override
        public List<Duration> recentBlockIntervals(int count) {
            return FakeChain.this.recentBlockIntervals(count);
        }

        @Override
        public Wei balance(Address address) {
            return FakeChain.this.balance(address);
        }

        @Override
        public long minedNonce(Address address) {
            synchronized (FakeChain.this) {
                long nonce = FakeChain.this.minedNonce(address);
                for (long b = top() + 1; b <= height; b++) {
                    nonce -= blockTxs.getOrDefault(b, List.of()).stream().filter(t -> t.from().equals(address)).count();
                }
                return nonce;
            }
        }

        @Override
        public FeeSuggestion fees() {
            return FakeChain.this.fees();
        }

        @Override
        public Optional<Receipt> receipt(TxHash hash) {
            synchronized (FakeChain.this) {
                return FakeChain.this.receipt(hash).filter(r -> r.blockNumber() <= top());
            }
        }

        @Override
        public Optional<String> blockHash(long number) {
            synchronized (FakeChain.this) {
                return number > top() ? Optional.empty() : FakeChain.this.blockHash(number);
            }
        }
    }

    @Override
    public synchronized Optional<String> blockHash(long number) {
        if (number == 0) {
            check();
            return Optional.of(genesis);
        }
        return header(number).map(BlockHeader::hash);
    }

    /** This chain's genesis block hash: another after {@link #relaunch()}. */
    public synchronized String genesis() {
        return genesis;
    }

    /**
     * The chain is replaced by a new one under the same chain id (a testnet relaunch): another genesis, no blocks past
     * the first, no balances, every account's nonce 0 again, an empty pool. {@link #paymentsTo} keeps counting what
     * either chain paid.
     */
    public synchronized void relaunch() {
        relaunches++;
        fork += 1000; // its blocks have hashes of their own
        genesis = "0x%056x%08x".formatted(0xfeedL, relaunches);
        balances.clear();
        mined.clear();
        pool.clear();
        receipts.clear();
        dropped.clear();
        wedged.clear();
        blockHashes.clear();
        blockTxs.clear();
        blockLogs.clear();
        height = 1;
        blockHashes.put(height, hashAt(height));
    }

    @Override
    public synchronized Optional<BlockHeader> header(long number) {
        check();
        headerCalls.incrementAndGet();
        return headerAt(number);
    }

    private Optional<BlockHeader> headerAt(long number) {
        String parent = blockHashes.getOrDefault(number - 1, "0x" + "00".repeat(32));
        return Optional.ofNullable(blockHashes.get(number)).map(hash -> new BlockHeader(number, hash, parent,
                "{\"number\":\"0x" + Long.toHexString(number) + "\",\"hash\":\"" + hash + "\",\"parentHash\":\"" + parent + "\"}"));
    }

    @Override
    public List<ChainLog> logs(String blockHash) {
        logCalls.incrementAndGet();
        return blockLogs.getOrDefault(blockHash, List.of());
    }

    @Override
    public RawJson call(String method, String paramsJson) {
        check();
        calls.add(new Call(method, paramsJson));
        return RawJson.of(relay.apply(method, paramsJson)); // the answers are written as text here, sent as their bytes
    }

    /** A relay answer that fails as the node would. */
    public static java.util.function.BiFunction<String, String, String> failing(NodeException e) {
        return (method, params) -> {
            throw e;
        };
    }

    private String builtInCall(String method, String paramsJson) {
        return switch (method) {
            case "eth_blockNumber" -> "\"0x" + Long.toHexString(height) + "\"";
            default -> throw new NodeException(NodeFailure.RPC_ERROR, "the method " + method + " does not exist", -32601, null, null);
        };
    }

    // --- the fake signature: fields as text -------------------------------------------------

    static String encode(Address from, UnsignedTransaction u) {
        String fees = switch (u.fees()) {
            case Fees.Eip1559 e -> "1559:" + e.maxFeePerGas() + ":" + e.maxPriorityFeePerGas();
            case Fees.Legacy l -> "legacy:" + l.gasPrice();
        };
        String text = String.join("|", from.value(), Long.toString(u.chainId()), Long.toString(u.nonce()),
                u.to().value(), u.value().toString(), fees);
        return "0x" + HEX.formatHex(text.getBytes(StandardCharsets.UTF_8));
    }

    static TxHash hashOf(String raw) {
        return new TxHash("0x" + HEX.formatHex(TestKeccak.INSTANCE.hash(HEX.parseHex(raw.substring(2)))));
    }

    private static Tx decode(String raw) {
        String[] f = new String(HEX.parseHex(raw.substring(2)), StandardCharsets.UTF_8).split("\\|");
        if (Long.parseLong(f[1]) != CHAIN_ID) {
            throw new NodeException(NodeFailure.WRONG_CHAIN_ID, "invalid chain id");
        }
        String[] fee = f[5].split(":");
        Fees fees = fee[0].equals("1559") ? new Fees.Eip1559(Wei.parse(fee[1]), Wei.parse(fee[2])) : new Fees.Legacy(Wei.parse(fee[1]));
        return new Tx(new Address(f[0]), Long.parseLong(f[2]), new Address(f[3]), new BigInteger(f[4]), fees, raw, hashOf(raw));
    }

    /** A signing key whose signature is the fake encoding above. */
    public static final class Key implements SigningKey {
        private final Address address;

        public Key(Address address) {
            this.address = address;
        }

        @Override
        public Address address() {
            return address;
        }

        @Override
        public SignedTransaction sign(UnsignedTransaction u) {
            String raw = encode(address, u);
            return new SignedTransaction(address, u, raw, hashOf(raw));
        }
    }

    /** A key ring over fake keys; "rotating" to a hex string makes an address from it. */
    public static final class Keys implements KeyRing {
        private final Map<Address, SigningKey> known = new ConcurrentHashMap<>();
        private final Map<Address, RetiringKey> retiring = new java.util.LinkedHashMap<>();
        private volatile SigningKey active;

        public Keys(Address initial) {
            active = new Key(initial);
            known.put(initial, active);
        }

        @Override
        public SigningKey active() {
            return active;
        }

        @Override
        public Optional<SigningKey> byAddress(Address address) {
            return Optional.ofNullable(known.get(address));
        }

        @Override
        public synchronized KeyRotation rotate(String newKeyHex, boolean drain, Instant at) {
            if (!newKeyHex.matches("(0x)?[0-9a-fA-F]{64}") || newKeyHex.replace("0x", "").chars().allMatch(c -> c == '0')) {
                throw new com.dytallix.domain.key.InvalidKeyException("the new key is not a valid secp256k1 private key");
            }
            Address next = new Address("0x" + newKeyHex.substring(newKeyHex.length() - 40).toLowerCase(java.util.Locale.ROOT));
            Address previous = active.address();
            active = new Key(next);
            known.put(next, active);
            retiring.put(previous, new RetiringKey(previous, drain ? Optional.of(next) : Optional.empty()));
            return new KeyRotation(previous, next, at);
        }

        @Override
        public synchronized List<RetiringKey> retiring() {
            return List.copyOf(retiring.values());
        }

        @Override
        public synchronized void drained(Address address) {
            retiring.computeIfPresent(address, (a, k) -> new RetiringKey(a, Optional.empty()));
        }

        @Override
        public synchronized void retire(Address address) {
            if (retiring.remove(address) != null) {
                known.remove(address);
            }
        }
    }
}
