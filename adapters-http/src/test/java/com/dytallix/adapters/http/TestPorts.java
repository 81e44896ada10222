package com.dytallix.adapters.http;

import com.dytallix.domain.telemetry.Telemetry;
import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.TestKeccak;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.AuditEntry;
import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.faucet.PauseState;
import com.dytallix.domain.faucet.TopUp;
import com.dytallix.domain.grant.Fingerprint;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantLedger;
import com.dytallix.domain.grant.GrantQuery;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.grant.LedgerAdmission;
import com.dytallix.domain.grant.OutflowPolicy;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.ReservationRequest;
import com.dytallix.domain.key.FeeSuggestion;
import com.dytallix.domain.key.InvalidKeyException;
import com.dytallix.domain.key.KeyRing;
import com.dytallix.domain.key.KeyRotation;
import com.dytallix.domain.key.RetiringKey;
import com.dytallix.domain.key.KeyRotationLog;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.SigningKey;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.sync.BlockHead;
import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.sync.BlockReader;
import com.dytallix.domain.sync.ChainLog;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.Receipt;
import com.dytallix.domain.sync.SyncProgress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Small in-memory fakes of the domain ports the HTTP tests drive. What a test does not exercise
 * (signing, sending, quotas) refuses loudly instead of pretending.
 */
final class TestPorts {
    private TestPorts() {
    }

    static Address address(String seed) {
        byte[] hash = TestKeccak.INSTANCE.hash(seed.getBytes(StandardCharsets.UTF_8));
        return Address.fromBytes(java.util.Arrays.copyOfRange(hash, 12, 32), TestKeccak.INSTANCE);
    }

    private static UnsupportedOperationException unused() {
        return new UnsupportedOperationException("not used by the HTTP tests");
    }

    /** A clock a test moves by hand. */
    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now;

        MutableClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        /** Nanoseconds on the same time line, for the rate limiters. */
        long nanos() {
            Instant t = now.get();
            return t.getEpochSecond() * 1_000_000_000L + t.getNano();
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** A node answering relayed calls with {@link #answer} and recording every call it got. */
    static final class Node implements ChainNode {
        record Call(String method, String paramsJson) {
        }

        final List<Call> calls = new CopyOnWriteArrayList<>();
        volatile BiFunction<String, String, String> answer = (method, params) -> "\"0x10\"";
        volatile Wei balance = Wei.ofDyt("1000");

        @Override
        public long chainId() {
            return 31337;
        }

        @Override
        public BlockHead head() {
            return new BlockHead(16, Instant.now(), Optional.empty());
        }

        @Override
        public Optional<SyncProgress> syncing() {
            return Optional.empty();
        }

        @Override
        public List<Duration> recentBlockIntervals(int blocks) {
            return List.of(Duration.ofSeconds(1));
        }

        @Override
        public Wei balance(Address address) {
            return balance;
        }

        @Override
        public long pendingNonce(Address address) {
            throw unused();
        }

        @Override
        public long minedNonce(Address address) {
            throw unused();
        }

        @Override
        public FeeSuggestion fees() {
            throw unused();
        }

        @Override
        public TxHash sendRawTransaction(String rawHex) {
            throw unused();
        }

        @Override
        public Optional<Receipt> receipt(TxHash hash) {
            throw unused();
        }

        @Override
        public String call(String method, String paramsJson) {
            calls.add(new Call(method, paramsJson));
            return answer.apply(method, paramsJson);
        }

        static BiFunction<String, String, String> failing(NodeException e) {
            return (m, p) -> {
                throw e;
            };
        }
    }

    /** A chain of headers the test grows, each block with the logs the test gives it. */
    static final class Blocks implements BlockReader {
        private final List<BlockHeader> chain = new CopyOnWriteArrayList<>(List.of(made(0)));
        private final Map<String, List<ChainLog>> logs = new ConcurrentHashMap<>();

        static String hashOf(long number) {
            return "0x" + String.format("%064x", number + 0xb10c00L);
        }

        private static BlockHeader made(long number) {
            String parent = number == 0 ? "0x" + "00".repeat(32) : hashOf(number - 1);
            return new BlockHeader(number, hashOf(number), parent,
                    "{\"number\":\"0x" + Long.toHexString(number) + "\",\"hash\":\"" + hashOf(number) + "\",\"parentHash\":\"" + parent + "\"}");
        }

        /** Appends a block holding logs of these (address, topics...) and returns its number. */
        long mine(List<List<String>> logSpecs) {
            long number = chain.size();
            List<ChainLog> made = new ArrayList<>();
            for (int i = 0; i < logSpecs.size(); i++) {
                List<String> spec = logSpecs.get(i);
                made.add(new ChainLog(spec.getFirst(), spec.subList(1, spec.size()), "0x", number, hashOf(number),
                        "0x" + "77".repeat(32), 0, i, false));
            }
            logs.put(hashOf(number), made);
            chain.add(made(number));
            return number;
        }

        @Override
        public BlockHeader latestHeader() {
            return chain.getLast();
        }

        @Override
        public Optional<BlockHeader> header(long number) {
            return number < chain.size() ? Optional.of(chain.get((int) number)) : Optional.empty();
        }

        @Override
        public List<ChainLog> logs(String blockHash) {
            return logs.getOrDefault(blockHash, List.of());
        }
    }

    /** Keys known by address only; a rotation accepts any well-formed key except all zeros. */
    static final class Keys implements KeyRing {
        private static final Pattern HEX64 = Pattern.compile("(0x)?[0-9a-fA-F]{64}");
        private final AtomicReference<Address> active = new AtomicReference<>(address("first key"));
        final List<String> rotatedTo = new CopyOnWriteArrayList<>();
        final List<RetiringKey> retiring = new CopyOnWriteArrayList<>();

        @Override
        public SigningKey active() {
            return key(active.get());
        }

        @Override
        public Optional<SigningKey> byAddress(Address address) {
            return Optional.of(key(address));
        }

        @Override
        public KeyRotation rotate(String newKeyHex, boolean drain, Instant at) {
            if (!HEX64.matcher(newKeyHex).matches() || newKeyHex.replace("0x", "").chars().allMatch(c -> c == '0')) {
                throw new InvalidKeyException("the new key is not a valid secp256k1 private key");
            }
            rotatedTo.add(newKeyHex);
            Address next = address(newKeyHex);
            Address previous = active.getAndSet(next);
            retiring.add(new RetiringKey(previous, drain ? Optional.of(next) : Optional.empty()));
            return new KeyRotation(previous, next, at);
        }

        @Override
        public List<RetiringKey> retiring() {
            return List.copyOf(retiring);
        }

        @Override
        public void drained(Address address) {
            throw unused();
        }

        @Override
        public void retire(Address address) {
            throw unused();
        }

        private static SigningKey key(Address address) {
            return new SigningKey() {
                @Override
                public Address address() {
                    return address;
                }

                @Override
                public SignedTransaction sign(UnsignedTransaction transaction) {
                    throw unused();
                }
            };
        }
    }

    static final class Controls implements FaucetControls {
        private volatile PauseState pause = PauseState.RUNNING;
        final List<TopUp> topUps = new CopyOnWriteArrayList<>();
        final List<AuditEntry> audit = new CopyOnWriteArrayList<>();

        @Override
        public PauseState pauseState() {
            return pause;
        }

        @Override
        public PauseState pause(Optional<String> reason, Instant at) {
            pause = new PauseState(true, reason, Optional.of(at));
            return pause;
        }

        @Override
        public PauseState resume(Instant at) {
            pause = PauseState.RUNNING;
            return pause;
        }

        @Override
        public synchronized TopUp recordTopUp(TopUp topUp) {
            TopUp stored = new TopUp(Optional.of((long) topUps.size() + 1), topUp.amount(), topUp.note(),
                    topUp.faucetAddress(), topUp.balanceAfter(), topUp.at());
            topUps.add(stored);
            return stored;
        }

        @Override
        public List<TopUp> recentTopUps(int limit) {
            return topUps.reversed().stream().limit(limit).toList();
        }

        @Override
        public void audit(AuditEntry entry) {
            audit.add(entry);
        }

        @Override
        public List<AuditEntry> recentAudit(int limit) {
            return audit.reversed().stream().limit(limit).toList();
        }

        @Override
        public int pruneAudit(Instant before) {
            int size = audit.size();
            audit.removeIf(e -> e.at().isBefore(before));
            return size - audit.size();
        }
    }

    static final class Rotations implements KeyRotationLog {
        final List<KeyRotation> recorded = new CopyOnWriteArrayList<>();

        @Override
        public void record(KeyRotation rotation) {
            recorded.add(rotation);
        }

        @Override
        public Optional<KeyRotation> last() {
            return recorded.isEmpty() ? Optional.empty() : Optional.of(recorded.getLast());
        }
    }

    /** Holds grants a test puts in; answers lookups and searches over them. */
    static final class Ledger implements GrantLedger {
        final List<Grant> grants = new CopyOnWriteArrayList<>();
        final List<Fingerprint> fingerprints = new CopyOnWriteArrayList<>();
        volatile GrantQuery lastQuery;

        Grant add(String seed, String ip, Instant at) {
            Grant g = Grant.reserved(GrantId.random(), address(seed), ClientIp.parse(ip), Wei.ofDyt("10"), List.of(),
                    Optional.empty(), "hash-" + seed, at);
            grants.add(g);
            return g;
        }

        @Override
        public Optional<Grant> find(GrantId id) {
            return grants.stream().filter(g -> g.id().equals(id)).findFirst();
        }

        @Override
        public List<Grant> unfinished() {
            return grants.stream().filter(g -> !g.status().isFinal()).toList();
        }

        @Override
        public List<Grant> search(GrantQuery q) {
            lastQuery = q;
            return grants.stream()
                    .filter(g -> q.since().map(s -> !g.createdAt().isBefore(s)).orElse(true))
                    .filter(g -> q.ip().map(g.ip()::equals).orElse(true))
                    .filter(g -> q.address().map(g.address()::equals).orElse(true))
                    .filter(g -> q.status().map(s -> g.status() == s).orElse(true))
                    .sorted(Comparator.comparing(Grant::createdAt).reversed())
                    .limit(q.limit())
                    .toList();
        }

        @Override
        public Reservation reserve(ReservationRequest request, LedgerAdmission admission) {
            throw unused();
        }

        /** The budget full, as in a new ledger. */
        @Override
        public java.math.BigInteger budget(OutflowPolicy outflow, Instant now) {
            return outflow.initial();
        }

        @Override
        public void markSigned(GrantId id, SignedTransaction tx, Instant at, com.dytallix.domain.payer.Lease lease) {
            throw unused();
        }

        @Override
        public void markSubmitted(GrantId id, Instant at) {
            throw unused();
        }

        @Override
        public void recordReplacement(GrantId id, SignedTransaction replacement, Instant at,
                                      com.dytallix.domain.payer.Lease lease) {
            throw unused();
        }

        @Override
        public void markIncluded(GrantId id, TxHash landed, long blockNumber, String blockHash, Instant at) {
            throw unused();
        }

        @Override
        public void reopen(GrantId id, Instant at) {
            throw unused();
        }

        @Override
        public List<Grant> inBlocksFrom(long fromBlock) {
            throw unused();
        }

        @Override
        public void markConfirmed(GrantId id, TxHash landed, long blockNumber, Instant at) {
            throw unused();
        }

        @Override
        public void markFailed(GrantId id, String reason, Instant at) {
            throw unused();
        }

        @Override
        public Optional<Grant> findByIdempotencyKey(String key) {
            return Optional.empty();
        }

        @Override
        public OptionalLong highestNonce(com.dytallix.domain.Address from) {
            return OptionalLong.empty();
        }

        @Override
        public void recordFingerprint(Fingerprint fingerprint) {
            fingerprints.add(fingerprint);
        }

        @Override
        public PruneResult prune(Instant grantsBefore, Instant fingerprintsBefore) {
            throw unused();
        }
    }

    /** Counts what the edge reports. */
    static final class Counters implements Telemetry {
        @Override
        public void reorg() {
        }

        final ConcurrentHashMap<LimitScope, Integer> rateLimitHits = new ConcurrentHashMap<>();
        final List<String> rpcOutcomes = new CopyOnWriteArrayList<>();
        final List<String> cacheLookups = new CopyOnWriteArrayList<>();

        @Override
        public void grantOutcome(String outcome) {
        }

        @Override
        public void rateLimitHit(LimitScope scope) {
            rateLimitHits.merge(scope, 1, Integer::sum);
        }

        @Override
        public void transactionReplaced() {
        }

        @Override
        public void rpcRequest(String method, String outcome, Duration duration) {
            rpcOutcomes.add(method + ":" + outcome);
        }

        @Override
        public void rpcCacheLookup(boolean hit) {
            cacheLookups.add(hit ? "hit" : "miss");
        }
    }

    static List<AuditEntry> auditOf(Controls controls, String action) {
        List<AuditEntry> out = new ArrayList<>();
        for (AuditEntry e : controls.audit) {
            if (e.action().equals(action)) {
                out.add(e);
            }
        }
        return out;
    }
}
