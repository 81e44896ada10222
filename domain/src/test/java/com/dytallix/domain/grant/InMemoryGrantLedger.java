package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.payer.InMemoryPayerLeases;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.LeaseLostException;
import java.time.Duration;
import java.math.BigInteger;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A {@link GrantLedger} in memory for tests, with the SQLite ledger's semantics (see
 * {@code GrantLedgerContract}): rolling windows exclusive of their start, instants kept to the
 * millisecond. Every method holds one monitor, so each
 * is atomic.
 */
public final class InMemoryGrantLedger implements GrantLedger {
    // insertion order breaks ties between equal creation times, like SQLite's rowid
    private final Map<GrantId, Grant> grants = new LinkedHashMap<>();
    private final List<Fingerprint> fingerprints = new ArrayList<>();
    /** Grants confirmed at least once: a reorg re-opens a grant, and its next confirmation is not its first. */
    private final java.util.Set<GrantId> confirmedOnce = new java.util.HashSet<>();
    private final InMemoryPayerLeases leases;
    /** The genesis hash of the chain the ledger pays on, once recorded. */
    private String genesis;
    /** Grants of a chain an adoption gave up: out of the reorg watch and the nonce bookkeeping. */
    private final java.util.Set<GrantId> previousChains = new java.util.HashSet<>();
    /** The grants the last adoption failed while they had a signed transaction. */
    private final java.util.Set<GrantId> leftInFlight = new java.util.HashSet<>();
    /** When each grant was admitted by the store's clock (the leases' clock, standing in for the database's). */
    private final Map<GrantId, Instant> admittedAt = new java.util.HashMap<>();
    private final AtomicReference<Runnable> interleave = new AtomicReference<>();
    private final AtomicReference<Runnable> interleaveSigning = new AtomicReference<>();
    private final AtomicReference<Runnable> afterInFlight = new AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicInteger signingWrites = new java.util.concurrent.atomic.AtomicInteger();

    /** A ledger whose signing writes are fenced by {@code leases}, as the database's are by its lease table. */
    public InMemoryGrantLedger(InMemoryPayerLeases leases) {
        this.leases = leases;
    }

    public InMemoryGrantLedger() {
        this(new InMemoryPayerLeases());
    }

    public InMemoryPayerLeases leases() {
        return leases;
    }

    /**
     * Runs {@code work} once, at the start of the next status change a payment makes (submitted,
     * failed, abandoned), before that change takes the ledger's lock: another thread's work (the
     * tracker's pass, say) put exactly between a request's steps.
     */
    public void interleave(Runnable work) {
        interleave.set(work);
    }

    /**
     * Runs {@code work} once, right after the next read of the payments in flight has been taken, outside the ledger's
     * lock: what other threads do between a tracker pass's read and the steps it takes from it.
     */
    public void afterInFlight(Runnable work) {
        afterInFlight.set(work);
    }

    /** Runs {@code work} once, at the start of the next signing write, before it takes the ledger's lock. */
    public void interleaveSigning(Runnable work) {
        interleaveSigning.set(work);
    }

    /** Signing writes so far, those refused because a grant was no longer pending included. */
    public int signingWrites() {
        return signingWrites.get();
    }

    private void interleaved() {
        Runnable work = interleave.getAndSet(null);
        if (work != null) {
            work.run();
        }
    }
    private BigInteger budget;
    private Instant budgetAt;
    /** Grants failed, or deleted while not failed: {@link #quotaReleases()}. */
    private long quotaReleases;
    private int reserveCalls;
    private int finds;

    /** How often the atomic reservation step ran (refused, replayed or reserved), for tests of what a request costs the ledger. */
    public synchronized int reserveCalls() {
        return reserveCalls;
    }

    @Override
    public synchronized Reservation reserve(ReservationRequest request, LedgerAdmission admission) {
        reserveCalls++;
        Instant now = millis(request.now());
        if (request.idempotencyKey().isPresent()) {
            Optional<Grant> existing = findByIdempotencyKey(request.idempotencyKey().get());
            if (existing.isPresent()) {
                return new Reservation.Replayed(existing.get());
            }
        }
        BigInteger level = budget(admission.outflow(), now);
        Decision decision = admission.decide(new Window(level));
        if (decision.refusal().isPresent()) {
            return new Reservation.Refused(decision.refusal().get());
        }
        Grant grant = Grant.reserved(request.id(), request.address(), request.ip(), decision.payout(), decision.factors(),
                request.idempotencyKey(), request.requestHash(), now);
        grants.put(grant.id(), grant);
        admittedAt.put(grant.id(), leases.databaseTime());
        budget = level.subtract(decision.payout().value());
        budgetAt = now;
        return new Reservation.Reserved(grant);
    }

    @Override
    public synchronized long quotaReleases() {
        return quotaReleases;
    }

    @Override
    public synchronized BigInteger budget(OutflowPolicy outflow, Instant now) {
        return budget == null ? outflow.initial() : outflow.refill(budget, budgetAt, millis(now));
    }

    /** The ledger as the admission rules see it; only used while the monitor is held. */
    private final class Window implements LedgerWindow {
        private final BigInteger budget;

        Window(BigInteger budget) {
            this.budget = budget;
        }

        private List<Grant> counted(Instant since, Predicate<Grant> mine) {
            return grants.values().stream()
                    .filter(g -> g.status() != GrantStatus.FAILED && g.createdAt().isAfter(since) && mine.test(g))
                    .sorted(Comparator.comparing(Grant::createdAt))
                    .toList();
        }

        @Override
        public Optional<Instant> nthNewestGrantByClient(IpRange client, Instant since, int nth) {
            return nthNewest(counted(since, g -> client.contains(g.ip())), nth);
        }

        @Override
        public Optional<Instant> nthNewestGrantBySubnet(IpRange subnet, Instant since, int nth) {
            return nthNewest(counted(since, g -> subnet.contains(g.ip())), nth);
        }

        @Override
        public Optional<Instant> nthNewestGrantByAddress(Address address, Instant since, int nth) {
            return nthNewest(counted(since, g -> g.address().equals(address)), nth);
        }

        private static Optional<Instant> nthNewest(List<Grant> oldestFirst, int nth) {
            return oldestFirst.size() < nth ? Optional.empty() : Optional.of(oldestFirst.get(oldestFirst.size() - nth).createdAt());
        }

        @Override
        public Wei paidSince(Instant since) {
            return counted(since, g -> true).stream().map(Grant::amount).reduce(Wei.ZERO, Wei::plus);
        }

        @Override
        public List<Payout> payoutsSince(Instant since) {
            return counted(since, g -> true).stream().map(g -> new Payout(g.amount(), g.createdAt())).toList();
        }

        @Override
        public AddressSpread addressesFrom(IpRange client, Instant since) {
            List<Address> addresses = new ArrayList<>();
            List<Instant> times = new ArrayList<>();
            fingerprints.stream().filter(f -> f.client().equals(client) && f.at().isAfter(since)
                    && !f.outcome().equals(Fingerprint.BLOCKED)).forEach(f -> {
                addresses.add(f.address());
                times.add(f.at());
            });
            grants.values().stream().filter(g -> client.contains(g.ip()) && g.createdAt().isAfter(since)).forEach(g -> {
                addresses.add(g.address());
                times.add(g.createdAt());
            });
            return new AddressSpread((int) addresses.stream().distinct().count(), times.stream().min(Comparator.naturalOrder()));
        }

        @Override
        public BigInteger budget() {
            return budget;
        }
    }

    @Override
    public Set<GrantId> markSigned(List<Signing> signings, Instant at, Lease lease) {
        signingWrites.incrementAndGet();
        Runnable work = interleaveSigning.getAndSet(null);
        if (work != null) {
            work.run();
        }
        return storeSigned(signings, at, lease);
    }

    private synchronized Set<GrantId> storeSigned(List<Signing> signings, Instant at, Lease lease) {
        requireLease(lease);
        Map<GrantId, Grant> signed = new LinkedHashMap<>();
        Set<GrantId> notPending = new HashSet<>();
        for (Signing s : signings) {
            Grant g = load(s.id());
            if (g.status().canMoveTo(GrantStatus.SIGNED)) {
                signed.put(s.id(), g.signed(s.tx(), millis(at)));
            } else {
                notPending.add(s.id());
            }
        }
        if (notPending.isEmpty()) {
            grants.putAll(signed); // all or nothing, like one transaction
        }
        return notPending;
    }

    @Override
    public void markSubmitted(GrantId id, Instant at) {
        interleaved();
        synchronized (this) {
            grants.put(id, load(id).submitted(millis(at)));
        }
    }

    @Override
    public synchronized void recordReplacement(GrantId id, SignedTransaction replacement, Instant at, Lease lease) {
        Grant g = load(id);
        requireLease(lease);
        g.status().moveTo(GrantStatus.SUBMITTED);
        requirePays(g, replacement);
        if (!g.fromAddress().equals(Optional.of(replacement.from()))
                || !g.nonce().equals(Optional.of(replacement.nonce()))) {
            throw new IllegalArgumentException("a replacement must come from the same sender with the same nonce");
        }
        if (g.txHashes().contains(replacement.hash())) {
            throw new IllegalArgumentException("transaction " + replacement.hash() + " is already recorded for grant " + id);
        }
        List<TxHash> hashes = new ArrayList<>(g.txHashes());
        hashes.add(replacement.hash());
        grants.put(id, new Grant(g.id(), g.address(), g.ip(), g.amount(), GrantStatus.SUBMITTED, g.idempotencyKey(),
                g.requestHash(), g.fromAddress(), g.nonce(), Optional.of(replacement.rawHex()),
                Optional.of(replacement.fees()), hashes, g.landedHash(), g.blockNumber(), g.blockHash(), g.failureReason(),
                g.createdAt(), millis(at), Optional.of(millis(at)), g.factors()));
    }

    @Override
    public synchronized void markIncluded(GrantId id, TxHash landed, long blockNumber, String blockHash, Instant at) {
        Grant g = load(id);
        g.status().moveTo(GrantStatus.SUBMITTED);
        if (!g.txHashes().contains(landed)) {
            throw new IllegalArgumentException("transaction " + landed + " was never recorded for grant " + id);
        }
        grants.put(id, new Grant(g.id(), g.address(), g.ip(), g.amount(), GrantStatus.SUBMITTED, g.idempotencyKey(),
                g.requestHash(), g.fromAddress(), g.nonce(), g.rawTransaction(), g.fees(), g.txHashes(),
                Optional.of(landed), Optional.of(blockNumber), Optional.of(blockHash), g.failureReason(), g.createdAt(),
                millis(at), g.lastSentAt(), g.factors()));
    }

    @Override
    public synchronized Settled settle(List<Inclusion> inclusions, List<Confirmation> confirmations, Instant at) {
        Set<GrantId> first = new HashSet<>();
        Map<GrantId, String> refused = new LinkedHashMap<>();
        for (Inclusion i : inclusions) {
            try {
                markIncluded(i.id(), i.landed(), i.blockNumber(), i.blockHash(), at);
            } catch (RuntimeException e) {
                refused.put(i.id(), e.getMessage());
            }
        }
        for (Confirmation c : confirmations) {
            try {
                if (markConfirmed(c.id(), c.landed(), c.blockNumber(), at)) {
                    first.add(c.id());
                }
            } catch (RuntimeException e) {
                refused.put(c.id(), e.getMessage());
            }
        }
        return new Settled(first, refused);
    }

    @Override
    public synchronized void reopen(GrantId id, Instant at) {
        Grant g = load(id);
        g.status().reopen();
        if (g.blockNumber().isEmpty()) {
            throw new IllegalArgumentException("grant " + id + " is in no block");
        }
        grants.put(id, new Grant(g.id(), g.address(), g.ip(), g.amount(), GrantStatus.SUBMITTED, g.idempotencyKey(),
                g.requestHash(), g.fromAddress(), g.nonce(), g.rawTransaction(), g.fees(), g.txHashes(),
                Optional.empty(), Optional.empty(), Optional.empty(), g.failureReason(), g.createdAt(), millis(at),
                g.lastSentAt(), g.factors()));
    }

    @Override
    public synchronized Optional<String> genesis() {
        return Optional.ofNullable(genesis);
    }

    @Override
    public synchronized String recordGenesis(String genesis, Instant at) {
        if (this.genesis == null) {
            this.genesis = genesis;
        }
        return this.genesis;
    }

    @Override
    public synchronized Adoption adoptChain(String previous, String adopted, String reason, Instant at) {
        if (adopted.equals(genesis)) {
            return new Adoption(false, 0, 0);
        }
        if (genesis != null && !genesis.equals(previous)) {
            throw new IllegalStateException("the ledger pays on chain " + genesis + ", not " + previous);
        }
        if (previous.equals(adopted)) {
            genesis = adopted; // no chain was recorded: this one is recorded, nothing closed
            return new Adoption(false, 0, 0);
        }
        int failed = 0;
        leftInFlight.clear();
        for (Grant g : unfinished()) {
            if (g.rawTransaction().isPresent()) {
                leftInFlight.add(g.id());
            }
            fail(g.id(), reason, at);
            failed++;
        }
        int closed = 0;
        for (GrantId id : grants.keySet()) {
            if (previousChains.add(id)) {
                closed++;
            }
        }
        leases.chainAdopted();
        genesis = adopted;
        return new Adoption(true, failed, closed);
    }

    @Override
    public synchronized List<Grant> leftInFlight(Address from, long fromNonce) {
        return leftInFlight.stream().map(grants::get).filter(java.util.Objects::nonNull)
                .filter(g -> g.fromAddress().equals(Optional.of(from)) && g.nonce().orElseThrow() >= fromNonce)
                .sorted(Comparator.comparing(g -> g.nonce().orElseThrow())).toList();
    }

    @Override
    public synchronized boolean carryOver(GrantId id, Instant at) {
        Grant g = grants.get(id);
        if (g == null || g.status() != GrantStatus.FAILED || !leftInFlight.remove(id)) {
            return false;
        }
        previousChains.remove(id);
        grants.put(id, new Grant(g.id(), g.address(), g.ip(), g.amount(), GrantStatus.SUBMITTED, g.idempotencyKey(),
                g.requestHash(), g.fromAddress(), g.nonce(), g.rawTransaction(), g.fees(), g.txHashes(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), g.createdAt(), millis(at),
                g.lastSentAt(), g.factors()));
        return true;
    }

    @Override
    public synchronized List<Grant> inBlocksFrom(long fromBlock) {
        return grants.values().stream()
                .filter(g -> !previousChains.contains(g.id()))
                .filter(g -> g.status() == GrantStatus.SUBMITTED || g.status() == GrantStatus.CONFIRMED)
                .filter(g -> g.blockHash().isPresent() && g.blockNumber().orElseThrow() >= fromBlock)
                .sorted(Comparator.comparing(g -> g.blockNumber().orElseThrow()))
                .toList();
    }

    @Override
    public synchronized Set<Long> noncesInBlocksFrom(Address from, long fromBlock) {
        return inBlocksFrom(fromBlock).stream().filter(g -> g.fromAddress().equals(Optional.of(from)))
                .map(g -> g.nonce().orElseThrow()).collect(Collectors.toSet());
    }

    @Override
    public synchronized List<RecordedBlock> blocksFrom(long fromBlock) {
        Map<Long, Map<String, Set<Address>>> senders = new TreeMap<>();
        for (Grant g : inBlocksFrom(fromBlock)) {
            senders.computeIfAbsent(g.blockNumber().orElseThrow(), n -> new TreeMap<>())
                    .computeIfAbsent(g.blockHash().orElseThrow(), h -> new HashSet<>()).add(g.fromAddress().orElseThrow());
        }
        List<RecordedBlock> blocks = new ArrayList<>();
        senders.forEach((number, byHash) -> byHash.forEach((hash, from) -> blocks.add(new RecordedBlock(number, hash, from))));
        return blocks;
    }

    @Override
    public synchronized List<Grant> pendingOlderThan(java.time.Duration age) {
        Instant before = leases.databaseTime().minus(age);
        return unfinished().stream().filter(g -> g.status() == GrantStatus.PENDING && !admittedAt.get(g.id()).isAfter(before))
                .sorted(Comparator.comparing(g -> admittedAt.get(g.id()))).toList();
    }

    @Override
    public synchronized boolean markConfirmed(GrantId id, TxHash landed, long blockNumber, Instant at) {
        Grant g = load(id);
        g.status().moveTo(GrantStatus.CONFIRMED);
        if (!g.txHashes().contains(landed)) {
            throw new IllegalArgumentException("transaction " + landed + " was never recorded for grant " + id);
        }
        grants.put(id, new Grant(g.id(), g.address(), g.ip(), g.amount(), GrantStatus.CONFIRMED, g.idempotencyKey(),
                g.requestHash(), g.fromAddress(), g.nonce(), g.rawTransaction(), g.fees(), g.txHashes(),
                Optional.of(landed), Optional.of(blockNumber), g.blockHash(), g.failureReason(), g.createdAt(), millis(at),
                g.lastSentAt(), g.factors()));
        return confirmedOnce.add(id);
    }

    @Override
    public void markFailed(GrantId id, String reason, Instant at) {
        interleaved();
        fail(id, reason, at);
    }

    private synchronized void fail(GrantId id, String reason, Instant at) {
        Grant g = load(id);
        g.status().moveTo(GrantStatus.FAILED);
        quotaReleases++;
        grants.put(id, new Grant(g.id(), g.address(), g.ip(), g.amount(), GrantStatus.FAILED, g.idempotencyKey(),
                g.requestHash(), g.fromAddress(), g.nonce(), g.rawTransaction(), g.fees(), g.txHashes(),
                g.landedHash(), g.blockNumber(), g.blockHash(), Optional.of(reason), g.createdAt(), millis(at), g.lastSentAt(), g.factors()));
    }

    @Override
    public synchronized Map<GrantStatus, Long> unfinishedCounts() {
        Map<GrantStatus, Long> counts = new EnumMap<>(GrantStatus.class);
        GrantStatus.unfinished().forEach(s -> counts.put(s, 0L));
        unfinished().forEach(g -> counts.merge(g.status(), 1L, Long::sum));
        return counts;
    }

    @Override
    public boolean abandon(GrantId id, String reason, Instant at) {
        interleaved();
        synchronized (this) {
            if (load(id).status() != GrantStatus.PENDING) {
                return false;
            }
            fail(id, reason, at);
            return true;
        }
    }

    @Override
    public synchronized Optional<Grant> find(GrantId id) {
        finds++;
        return Optional.ofNullable(grants.get(id));
    }

    /** How often {@link #find} read a grant whole, for tests of what a tracker pass reads. */
    public synchronized int finds() {
        return finds;
    }

    @Override
    public synchronized Optional<Grant> findByIdempotencyKey(String key) {
        return grants.values().stream().filter(g -> g.idempotencyKey().equals(Optional.of(key))).findFirst();
    }

    @Override
    public synchronized List<Grant> unfinished() {
        return grants.values().stream()
                .filter(g -> !g.status().isFinal())
                .sorted(Comparator.comparing(Grant::createdAt))
                .toList();
    }

    @Override
    public List<Payment> inFlight() {
        List<Payment> read;
        synchronized (this) {
            read = unfinished().stream().filter(g -> g.status() != GrantStatus.PENDING)
                    .map(g -> new Payment(g.id(), g.status(), g.fromAddress().orElseThrow(), g.nonce().orElseThrow(), g.txHashes(), g.blockNumber(),
                            g.landedHash(), g.lastSentAt().orElse(g.updatedAt())))
                    .toList();
        }
        Runnable work = afterInFlight.getAndSet(null);
        if (work != null) {
            work.run();
        }
        return read;
    }

    @Override
    public synchronized OptionalLong highestNonce(Address from) {
        return grants.values().stream()
                .filter(g -> g.fromAddress().equals(Optional.of(from)) && g.nonce().isPresent())
                .filter(g -> !(g.status() == GrantStatus.FAILED && g.lastSentAt().isEmpty()))
                .filter(g -> !previousChains.contains(g.id()))
                .mapToLong(g -> g.nonce().get())
                .max();
    }

    @Override
    public synchronized List<Grant> search(GrantQuery query) {
        List<Grant> newestFirst = new ArrayList<>(grants.values().stream()
                .filter(g -> query.since().map(since -> !g.createdAt().isBefore(since)).orElse(true))
                .filter(g -> query.ip().map(ip -> g.ip().equals(ip)).orElse(true))
                .filter(g -> query.address().map(a -> g.address().equals(a)).orElse(true))
                .filter(g -> query.status().map(s -> g.status() == s).orElse(true))
                .sorted(Comparator.comparing(Grant::createdAt))
                .toList()).reversed();
        return newestFirst.stream().limit(query.limit()).toList();
    }

    @Override
    public synchronized void recordFingerprint(Fingerprint fingerprint) {
        fingerprints.add(new Fingerprint(fingerprint.ip(), fingerprint.client(), fingerprint.address(), fingerprint.userAgent(),
                fingerprint.hash(), fingerprint.outcome(), millis(fingerprint.at())));
    }

    @Override
    public synchronized PruneResult prune(Instant grantsBefore, Instant fingerprintsBefore) {
        List<GrantId> old = grants.values().stream()
                .filter(g -> g.status().isFinal() && g.createdAt().isBefore(grantsBefore))
                .map(Grant::id)
                .toList();
        old.forEach(id -> {
            admittedAt.remove(id);
            if (grants.remove(id).status() != GrantStatus.FAILED) {
                quotaReleases++;
            }
        });
        int before = fingerprints.size();
        fingerprints.removeIf(f -> f.at().isBefore(fingerprintsBefore));
        return new PruneResult(old.size(), before - fingerprints.size());
    }

    /** The fingerprints recorded so far, oldest first (for assertions). */
    public synchronized List<Fingerprint> fingerprints() {
        return List.copyOf(fingerprints);
    }

    private Grant load(GrantId id) {
        return Optional.ofNullable(grants.get(id)).orElseThrow(() -> new NoSuchElementException("no grant " + id));
    }

    private static void requirePays(Grant grant, SignedTransaction signed) {
        if (!signed.transaction().to().equals(grant.address()) || !signed.transaction().value().equals(grant.amount())) {
            throw new IllegalArgumentException("the transaction does not pay grant " + grant.id()
                    + " its recipient and amount");
        }
    }

    private static Instant millis(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }

    private void requireLease(Lease lease) {
        if (!leases.inForce(lease)) {
            throw new LeaseLostException(lease);
        }
    }
}
