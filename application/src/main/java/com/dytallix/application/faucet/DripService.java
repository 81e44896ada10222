package com.dytallix.application.faucet;

import com.dytallix.domain.telemetry.Telemetry;
import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.Keccak256;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.AdmissionRules;
import com.dytallix.domain.admission.Applicant;
import com.dytallix.domain.admission.Challenge;
import com.dytallix.domain.admission.ChallengeIds;
import com.dytallix.domain.admission.ChallengeStore;
import com.dytallix.domain.admission.ProofOfWorkPolicy;
import com.dytallix.domain.admission.ReputationList;
import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.grant.Decision;
import com.dytallix.domain.grant.Factor;
import com.dytallix.domain.grant.Fingerprint;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantReservations;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.grant.OutflowPolicy;
import com.dytallix.domain.grant.Refusal;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.ReservationRequest;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The faucet request: the admission rules in their order (those at the door, then those inside the
 * ledger's atomic reservation step), then pay. Every request that passes validation leaves a
 * fingerprint with its outcome. Also what a requester asks before: the faucet's terms now, and a
 * proof-of-work challenge. On an instance that is not the payer the grant is admitted here and paid
 * by the payer from the ledger; the request waits a while for that.
 */
public final class DripService {
    /**
     * How long after its arrival a request admitted on an instance that is not the payer waits for the payer to
     * sign its grant (about what a payer's takeover takes with the default PAYER_LEASE_MS); after that it is answered
     * 202 (stored, will be paid). Once signed, its send is waited for as the payer waits for its own.
     */
    private static final Duration PAYER_WAIT = Duration.ofSeconds(10);
    private static final MessageDigest SHA_256 = sha256();

    private final FaucetPolicy policy;
    private final AdmissionRules rules;
    private final GrantReservations reservations;
    private final FaucetControls controls;
    private final ChallengeStore challenges;
    private final ChallengeIds challengeIds;
    private final ReputationList reputation;
    private final Payer payer;
    private final Keccak256 keccak;
    private final Clock clock;
    private final Telemetry telemetry;
    /** Who a ledger rule refused lately, and until when: asking again costs no database work. */
    private final RefusalMemory refused;

    public DripService(FaucetPolicy policy, AdmissionRules rules, GrantReservations reservations, FaucetControls controls,
                       ChallengeStore challenges, ChallengeIds challengeIds, ReputationList reputation, Payer payer,
                       Keccak256 keccak, Clock clock,
                       Telemetry telemetry) {
        this.policy = policy;
        this.rules = rules;
        this.reservations = reservations;
        this.controls = controls;
        this.challenges = challenges;
        this.challengeIds = challengeIds;
        this.reputation = reputation;
        this.payer = payer;
        this.keccak = keccak;
        this.clock = clock;
        this.telemetry = telemetry;
        this.refused = new RefusalMemory(reservations);
    }

    /**
     * @throws com.dytallix.domain.InvalidAddressException for a malformed address
     * @throws FaucetRefusal                                 for every other refusal
     */
    public DripResult request(DripCommand command) {
        long[] times = GrantTimings.begin();
        Address address = Address.parse(command.address(), keccak);
        Instant now = clock.instant();
        IpRange client = command.ip().client(policy.ipv6Prefix());
        Applicant applicant = new Applicant(address, command.ip(), client, command.ip().subnet(), command.proof(), now);
        String userAgent = command.userAgent() == null ? "" : command.userAgent();
        Fingerprinter fp = outcome -> reservations.recordFingerprint(new Fingerprint(command.ip(), client, address,
                truncate(userAgent), fingerprintHash(command.ip().value(), address.lower(), userAgent), outcome, now));

        if (command.idempotencyKey().isPresent()) {
            Optional<Grant> earlier = reservations.findByIdempotencyKey(command.idempotencyKey().get());
            if (earlier.isPresent()) {
                return replay(earlier.get(), requestHash(address), fp);
            }
        }
        Decision door = rules.atDoor(applicant);
        if (door.refused()) {
            throw refuse(fp, door.refusal().get());
        }
        // with an Idempotency-Key the request may be a replay, which only the reservation step can tell
        if (command.idempotencyKey().isEmpty()) {
            Optional<Refusal.RateLimited> remembered = refused.refusal(applicant);
            if (remembered.isPresent()) {
                throw refuse(fp, remembered.get());
            }
        }
        long releases = refused.releases();
        String requestHash = requestHash(address);
        GrantId id = GrantId.random();
        // from before its reservation until its answer the grant is this request's to pay: the payer's own passes
        // leave it alone, and the other instances' notices of it wake this request
        payer.requestOpened(id);
        try {
            return reserveAndPay(id, command, applicant, door, releases, requestHash, now, fp, times);
        } finally {
            payer.requestClosed(id);
        }
    }

    private DripResult reserveAndPay(GrantId id, DripCommand command, Applicant applicant, Decision door, long releases,
                                     String requestHash, Instant now, Fingerprinter fp, long[] times) {
        Reservation reservation = reservations.reserve(new ReservationRequest(id, applicant.address(), command.ip(), applicant.client(),
                command.ip().subnet(), command.idempotencyKey(), requestHash, now), rules.inLedger(applicant, door));
        if (reservation instanceof Reservation.Replayed r) {
            return replay(r.existing(), requestHash, fp);
        }
        if (reservation instanceof Reservation.Refused r) {
            refused.remember(applicant, r.refusal(), releases);
            throw refuse(fp, r.refusal());
        }
        Grant grant = ((Reservation.Reserved) reservation).grant();
        GrantTimings.mark(times, GrantTimings.RESERVED);
        Grant paid;
        try {
            paid = payer.pay(grant, command.arrivedAt());
            if (paid.status() == GrantStatus.PENDING) {
                paid = payer.awaitPayment(paid, PAYER_WAIT, command.arrivedAt());
            }
        } catch (FaucetRefusal refusal) {
            fp.record(refusal.kind().outcome());
            telemetry.grantOutcome(refusal.kind() == FaucetRefusal.Kind.INSUFFICIENT_BALANCE ? "insufficient_balance" : "failed");
            throw refusal;
        }
        GrantTimings.mark(times, GrantTimings.PAID);
        fp.record("granted");
        telemetry.grantOutcome("granted");
        if (command.waitForConfirmation()) {
            paid = payer.awaitFinal(paid.id(), policy.confirmWait()).orElse(paid);
        }
        GrantTimings.end(times);
        return new DripResult(paid);
    }

    /** The faucet's terms now, for this client: records nothing. */
    public FaucetInfo info(ClientIp ip) {
        Instant now = clock.instant();
        OutflowPolicy outflow = policy.outflow();
        BigInteger budget = reservations.budget(outflow, now);
        List<Factor> factors = new ArrayList<>();
        BigDecimal governor = outflow.exhausted(budget) ? BigDecimal.ZERO : outflow.factor(budget);
        if (governor.compareTo(BigDecimal.ONE) < 0 && governor.signum() > 0) {
            factors.add(new Factor("governor", governor));
        }
        if (reputation.listed(ip)) {
            factors.add(new Factor("reputation", policy.reputationFactor()));
        }
        BigDecimal share = factors.stream().map(Factor::factor).reduce(governor.signum() == 0 ? BigDecimal.ZERO : BigDecimal.ONE,
                BigDecimal::multiply);
        Wei payout = new Wei(new BigDecimal(policy.dripAmount().value()).multiply(share)
                .setScale(0, java.math.RoundingMode.DOWN).toBigIntegerExact());
        return new FaucetInfo(policy.dripAmount(), payout, factors, budget, policy, controls.pauseState(),
                policy.proofOfWork().difficultyAt(outflow.pressure(budget)));
    }

    /**
     * A new proof-of-work challenge for this address and client, its difficulty raised with the
     * outflow pressure. While proof of work is off the challenge has difficulty 0 and is not
     * stored: a client may skip it, and one that sends it anyway is not refused for it.
     *
     * @throws com.dytallix.domain.InvalidAddressException for a malformed address
     */
    public Challenge challenge(String addressText, ClientIp ip) {
        Address address = Address.parse(addressText, keccak);
        ProofOfWorkPolicy pow = policy.proofOfWork();
        Instant now = clock.instant();
        int difficulty = pow.difficultyAt(policy.outflow().pressure(reservations.budget(policy.outflow(), now)));
        Challenge challenge = new Challenge(challengeIds.next(), address, ip.client(policy.ipv6Prefix()),
                difficulty, pow.n(), pow.r(), pow.p(), now.plus(pow.ttl()).truncatedTo(ChronoUnit.MILLIS));
        if (pow.on()) {
            challenges.issue(challenge, now);
        }
        return challenge;
    }

    private DripResult replay(Grant earlier, String requestHash, Fingerprinter fp) {
        if (!earlier.requestHash().equals(requestHash)) {
            fp.record("idempotency_conflict");
            throw FaucetRefusal.idempotencyConflict();
        }
        fp.record("replayed");
        telemetry.grantOutcome("replayed");
        return new DripResult(earlier);
    }

    private FaucetRefusal refuse(Fingerprinter fp, Refusal refusal) {
        FaucetRefusal answer = FaucetRefusal.of(refusal);
        if (refusal instanceof Refusal.RateLimited r) {
            fp.record("rate_limit:" + r.scope().wireName());
            telemetry.rateLimitHit(r.scope());
            telemetry.grantOutcome("rate_limited");
        } else {
            String outcome = answer.kind().outcome();
            fp.record(outcome);
            telemetry.grantOutcome(outcome);
        }
        return answer;
    }

    /** What identifies the request for its Idempotency-Key: the same key for another request is a conflict. */
    private static String requestHash(Address address) {
        return sha256Hex("faucet|" + address.lower());
    }

    private static String truncate(String userAgent) {
        return userAgent.length() <= 512 ? userAgent : userAgent.substring(0, 512);
    }

    static String sha256Hex(String text) {
        MessageDigest digest = sha256Copy();
        return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code sha256Hex(ip + "|" + address + "|" + userAgent)}, without joining the three first. */
    static String fingerprintHash(String ip, String address, String userAgent) {
        MessageDigest digest = sha256Copy();
        digest.update(ip.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) '|');
        digest.update(address.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) '|');
        digest.update(userAgent.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest());
    }

    /** A copy of an unused digest: looking the algorithm up among the providers costs more than the hash. */
    private static MessageDigest sha256Copy() {
        try {
            return (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    @FunctionalInterface
    private interface Fingerprinter {
        void record(String outcome);
    }
}
