package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.payer.InMemoryPayerLeases;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.LeaseLostException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * A {@link GrantLedger} in memory for tests, with the SQLite ledger's semantics (see
 * {@code GrantLedgerContract}): rolling windows exclusive of their start, refusals in the order
 * IP, address, daily cap, instants kept to the millisecond. Every method holds one monitor, so each
 * is atomic.
 */
public final class InMemoryGrantLedger implements GrantLedger {
    // insertion order breaks ties between equal creation times, like SQLite's rowid
    private final Map<GrantId, Grant> grants = new LinkedHashMap<>();
    private final List<Fingerprint> fingerprints = new ArrayList<>();
    private final InMemoryPayerLeases leases;

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

    @Override
    public synchronized Reservation reserve(ReservationRequest request, QuotaLimits limits) {
        Instant now = millis(request.now());
        if (request.idempotencyKey().isPresent()) {
            Optional<Grant> existing = findByIdempotencyKey(request.idempotencyKey().get());
            if (existing.isPresent()) {
                return new Reservation.Replayed(existing.get());
            }
        }
        Instant windowStart = now.minus(limits.window());
        List<Grant> counted = grants.values().stream()
                .filter(g -> g.status() != GrantStatus.FAILED && g.createdAt().isAfter(windowStart))
                .sorted(Comparator.comparing(Grant::createdAt))
                .toList();
        Optional<Instant> ipReset = countReset(counted, g -> g.ip().equals(request.ip()), limits.perIp(),
                limits.window(), now);
        if (ipReset.isPresent()) {
            return new Reservation.Refused(LimitScope.IP, ipReset.get());
        }
        Optional<Instant> addressReset = countReset(counted, g -> g.address().equals(request.address()),
                limits.perAddress(), limits.window(), now);
        if (addressReset.isPresent()) {
            return new Reservation.Refused(LimitScope.ADDRESS, addressReset.get());
        }
        Wei paid = counted.stream().map(Grant::amount).reduce(Wei.ZERO, Wei::plus);
        if (limits.dailyCap().isLessThan(paid.plus(request.amount()))) {
            Instant reset = now.plus(limits.window());
            for (Grant g : counted) {
                paid = paid.minus(g.amount());
                if (!limits.dailyCap().isLessThan(paid.plus(request.amount()))) {
                    reset = g.createdAt().plus(limits.window());
                    break;
                }
            }
            return new Reservation.Refused(LimitScope.DAILY_CAP, reset);
        }
        Grant grant = Grant.reserved(request.id(), request.address(), request.ip(), request.amount(),
                request.idempotencyKey(), request.requestHash(), now);
        grants.put(grant.id(), grant);
        return new Reservation.Reserved(grant);
    }

    private static Optional<Instant> countReset(List<Grant> counted, Predicate<Grant> mine, int limit,
                                                Duration window, Instant now) {
        List<Grant> matching = counted.stream().filter(mine).toList();
        if (matching.size() < limit) {
            return Optional.empty();
        }
        return Optional.of(limit == 0 ? now.plus(window) : matching.get(matching.size() - limit).createdAt().plus(window));
    }

    @Override
    public synchronized void cancel(GrantId id) {
        Grant grant = grants.get(id);
        if (grant == null) {
            return;
        }
        if (grant.status() != GrantStatus.PENDING) {
            throw new IllegalStateException("only a pending grant can be cancelled; grant " + id + " is " + grant.status());
        }
        grants.remove(id);
    }

    @Override
    public synchronized void markSigned(GrantId id, SignedTransaction tx, Instant at, Lease lease) {
        Grant g = load(id);
        requireLease(lease, at);
        g.status().moveTo(GrantStatus.SIGNED);
        requirePays(g, tx);
        grants.put(id, new Grant(g.id(), g.address(), g.ip(), g.amount(), GrantStatus.SIGNED, g.idempotencyKey(),
                g.requestHash(), Optional.of(tx.from()), Optional.of(tx.nonce()), Optional.of(tx.rawHex()),
                Optional.of(tx.fees()), List.of(tx.hash()), g.landedHash(), g.blockNumber(), g.failureReason(),
                g.createdAt(), millis(at), g.lastSentAt()));
    }

    @Override
    public synchronized void markSubmitted(GrantId id, Instant at) {
        Grant g = load(id);
        g.status().moveTo(GrantStatus.SUBMITTED);
        grants.put(id, new Grant(g.id(), g.address(), g.ip(), g.amount(), GrantStatus.SUBMITTED, g.idempotencyKey(),
                g.requestHash(), g.fromAddress(), g.nonce(), g.rawTransaction(), g.fees(), g.txHashes(),
                g.landedHash(), g.blockNumber(), g.failureReason(), g.createdAt(), millis(at),
                Optional.of(millis(at))));
    }

    @Override
    public synchronized void recordReplacement(GrantId id, SignedTransaction replacement, Instant at, Lease lease) {
        Grant g = load(id);
        requireLease(lease, at);
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
                Optional.of(replacement.fees()), hashes, g.landedHash(), g.blockNumber(), g.failureReason(),
                g.createdAt(), millis(at), Optional.of(millis(at))));
    }

    @Override
    public synchronized void markConfirmed(GrantId id, TxHash landed, long blockNumber, Instant at) {
        Grant g = load(id);
        g.status().moveTo(GrantStatus.CONFIRMED);
        if (!g.txHashes().contains(landed)) {
            throw new IllegalArgumentException("transaction " + landed + " was never recorded for grant " + id);
        }
        grants.put(id, new Grant(g.id(), g.address(), g.ip(), g.amount(), GrantStatus.CONFIRMED, g.idempotencyKey(),
                g.requestHash(), g.fromAddress(), g.nonce(), g.rawTransaction(), g.fees(), g.txHashes(),
                Optional.of(landed), Optional.of(blockNumber), g.failureReason(), g.createdAt(), millis(at),
                g.lastSentAt()));
    }

    @Override
    public synchronized void markFailed(GrantId id, String reason, Instant at) {
        Grant g = load(id);
        g.status().moveTo(GrantStatus.FAILED);
        grants.put(id, new Grant(g.id(), g.address(), g.ip(), g.amount(), GrantStatus.FAILED, g.idempotencyKey(),
                g.requestHash(), g.fromAddress(), g.nonce(), g.rawTransaction(), g.fees(), g.txHashes(),
                g.landedHash(), g.blockNumber(), Optional.of(reason), g.createdAt(), millis(at), g.lastSentAt()));
    }

    @Override
    public synchronized Optional<Grant> find(GrantId id) {
        return Optional.ofNullable(grants.get(id));
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
    public synchronized OptionalLong highestNonce(Address from) {
        return grants.values().stream()
                .filter(g -> g.fromAddress().equals(Optional.of(from)) && g.nonce().isPresent())
                .filter(g -> !(g.status() == GrantStatus.FAILED && g.lastSentAt().isEmpty()))
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
        fingerprints.add(new Fingerprint(fingerprint.ip(), fingerprint.address(), fingerprint.userAgent(),
                fingerprint.hash(), fingerprint.outcome(), millis(fingerprint.at())));
    }

    @Override
    public synchronized AddressSpread addressesFrom(ClientIp ip, Instant since) {
        List<Fingerprint> recent = fingerprints.stream()
                .filter(f -> f.ip().equals(ip) && f.at().isAfter(since))
                .toList();
        return new AddressSpread((int) recent.stream().map(Fingerprint::address).distinct().count(),
                recent.stream().map(Fingerprint::at).min(Comparator.naturalOrder()));
    }

    @Override
    public synchronized PruneResult prune(Instant grantsBefore, Instant fingerprintsBefore) {
        List<GrantId> old = grants.values().stream()
                .filter(g -> g.status().isFinal() && g.createdAt().isBefore(grantsBefore))
                .map(Grant::id)
                .toList();
        old.forEach(grants::remove);
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

    private void requireLease(Lease lease, Instant at) {
        if (!leases.inForce(lease, millis(at))) {
            throw new LeaseLostException(lease);
        }
    }
}
