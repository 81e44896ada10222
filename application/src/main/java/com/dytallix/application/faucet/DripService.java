package com.dytallix.application.faucet;

import com.dytallix.application.Telemetry;
import com.dytallix.application.status.StatusService;
import com.dytallix.domain.Address;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.Keccak256;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.faucet.PauseState;
import com.dytallix.domain.grant.Fingerprint;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantLedger;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.ReservationRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The faucet request, in the contract's order: address → paused → suspicious activity → quotas
 * (reserved atomically) → balance → pay. Every request that passes validation leaves a
 * fingerprint with its outcome. On an instance that is not the payer the grant is admitted here and
 * paid by the payer from the ledger; the request waits a while for that.
 */
public final class DripService {
    private static final Duration SUSPICION_WINDOW = Duration.ofHours(1);
    /**
     * How long a request admitted on an instance that is not the payer waits for the payer to sign
     * its grant; after that it is answered 202 (stored, will be paid).
     */
    private static final Duration PAYER_WAIT = Duration.ofSeconds(10);

    private final FaucetPolicy policy;
    private final GrantLedger ledger;
    private final FaucetControls controls;
    private final StatusService status;
    private final Payer payer;
    private final Keccak256 keccak;
    private final Clock clock;
    private final Telemetry telemetry;

    public DripService(FaucetPolicy policy, GrantLedger ledger, FaucetControls controls, StatusService status,
                       Payer payer, Keccak256 keccak, Clock clock, Telemetry telemetry) {
        this.policy = policy;
        this.ledger = ledger;
        this.controls = controls;
        this.status = status;
        this.payer = payer;
        this.keccak = keccak;
        this.clock = clock;
        this.telemetry = telemetry;
    }

    /**
     * @throws com.dytallix.domain.InvalidAddressException for a malformed address
     * @throws FaucetRefusal                                 for every other refusal
     */
    public DripResult request(DripCommand command) {
        Address address = Address.parse(command.address(), keccak);
        Instant now = clock.instant();
        String requestHash = sha256Hex("faucet|" + address.lower());
        String userAgent = command.userAgent() == null ? "" : command.userAgent();
        Fingerprinter fp = outcome -> ledger.recordFingerprint(new Fingerprint(command.ip(), address, truncate(userAgent),
                sha256Hex(command.ip().value() + "|" + address.lower() + "|" + userAgent), outcome, now));

        if (command.idempotencyKey().isPresent()) {
            Optional<Grant> earlier = ledger.findByIdempotencyKey(command.idempotencyKey().get());
            if (earlier.isPresent()) {
                return replay(earlier.get(), requestHash, fp);
            }
        }
        PauseState pause = controls.pauseState();
        if (pause.paused()) {
            fp.record("paused");
            telemetry.grantOutcome("paused");
            throw FaucetRefusal.paused(pause.reason().orElse("paused by an operator"));
        }
        GrantLedger.AddressSpread spread = ledger.addressesFrom(command.ip(), now.minus(SUSPICION_WINDOW));
        // this request's address counts too, whether or not it was seen before (conservative)
        if (spread.distinctAddresses() + 1 > policy.suspiciousAddressesPerHour()) {
            throw refuse(fp, LimitScope.SUSPICIOUS, spread.oldest().orElse(now).plus(SUSPICION_WINDOW));
        }
        ReservationRequest request = new ReservationRequest(GrantId.random(), address, command.ip(),
                policy.dripAmount(), command.idempotencyKey(), requestHash, now);
        Reservation reservation = ledger.reserve(request, policy.quotas());
        if (reservation instanceof Reservation.Replayed r) {
            return replay(r.existing(), requestHash, fp);
        }
        if (reservation instanceof Reservation.Refused r) {
            throw refuse(fp, r.scope(), r.resetAt());
        }
        Grant grant = ((Reservation.Reserved) reservation).grant();
        if (!hasFunds()) {
            ledger.cancel(grant.id());
            fp.record("insufficient_balance");
            telemetry.grantOutcome("insufficient_balance");
            throw FaucetRefusal.insufficientBalance();
        }
        Grant paid;
        try {
            paid = payer.pay(grant);
            if (paid.status() == GrantStatus.PENDING) {
                paid = payer.awaitPayment(paid, PAYER_WAIT);
            }
        } catch (FaucetRefusal refusal) {
            fp.record(refusal.kind().name().toLowerCase(java.util.Locale.ROOT));
            telemetry.grantOutcome(refusal.kind() == FaucetRefusal.Kind.INSUFFICIENT_BALANCE ? "insufficient_balance" : "failed");
            throw refusal;
        }
        fp.record("granted");
        telemetry.grantOutcome("granted");
        if (command.waitForConfirmation()) {
            paid = payer.awaitFinal(paid.id(), policy.confirmWait()).orElse(paid);
        }
        return new DripResult(paid);
    }

    private boolean hasFunds() {
        var snapshot = status.current();
        Optional<Wei> balance = snapshot.faucetBalance();
        Optional<Instant> exhausted = payer.fundsExhaustedAt();
        if (exhausted.isPresent()) {
            // A send failed for lack of funds: refuse until a balance read after that shows enough.
            boolean readSince = snapshot.nodeObservedAt().filter(at -> at.isAfter(exhausted.get())).isPresent();
            if (!readSince || balance.filter(b -> !b.isLessThan(policy.requiredBalance())).isEmpty()) {
                return false;
            }
            payer.fundsRestored();
        }
        // Unknown balance (node not seen yet): let the node decide when the transaction is sent.
        return balance.map(b -> !b.isLessThan(policy.requiredBalance())).orElse(true);
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

    private FaucetRefusal refuse(Fingerprinter fp, LimitScope scope, Instant resetAt) {
        fp.record("rate_limit:" + scope.wireName());
        telemetry.rateLimitHit(scope);
        telemetry.grantOutcome("rate_limited");
        return FaucetRefusal.rateLimited(scope, resetAt);
    }

    private static String truncate(String userAgent) {
        return userAgent.length() <= 512 ? userAgent : userAgent.substring(0, 512);
    }

    static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    @FunctionalInterface
    private interface Fingerprinter {
        void record(String outcome);
    }
}
