package com.dytallix.application.faucet;

import com.dytallix.application.FakeChain;
import com.dytallix.application.assembly.Application;
import com.dytallix.application.payer.PayerElection;
import com.dytallix.domain.telemetry.RecordingTelemetry;
import com.dytallix.application.status.StatusService;
import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.TestKeccak;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.InMemoryFaucetControls;
import com.dytallix.domain.grant.InMemoryGrantLedger;
import com.dytallix.domain.payer.InMemoryInternalTransfers;
import com.dytallix.domain.admission.InMemoryBlockList;
import com.dytallix.domain.admission.InMemoryChallengeIds;
import com.dytallix.domain.admission.InMemoryChallengeStore;
import com.dytallix.domain.admission.ProofOfWork;
import com.dytallix.domain.admission.ProofOfWorkPolicy;
import com.dytallix.domain.admission.ReputationList;
import com.dytallix.domain.grant.Fingerprint;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.OutflowPolicy;
import com.dytallix.domain.key.FeePolicy;
import com.dytallix.domain.key.InMemoryKeyRotationLog;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The faucet use cases wired over in-memory ports and a fake chain. {@link #restart()} builds new
 * services over the same ledger and chain, as a process restart would.
 */
final class FaucetHarness {
    static final Address FAUCET = Address.parse("0x00000000000000000000000000000000000fa0c7", TestKeccak.INSTANCE);

    final FakeChain chain;
    final InMemoryGrantLedger ledger;
    final InMemoryInternalTransfers transfers;
    final InMemoryFaucetControls controls;
    final InMemoryBlockList blocks;
    final InMemoryChallengeStore challenges;
    /** The instances of one faucet share the key of their challenge ids. */
    final InMemoryChallengeIds challengeIds;
    final Set<ClientIp> badReputation;
    final FakeChain.Keys keys;
    final String instance;
    final Clock clock;
    private final Duration payerLease;
    final RecordingTelemetry telemetry = new RecordingTelemetry();
    Finality finality = new Finality(1, 64);
    FaucetPolicy policy;
    StatusService status;
    NonceAllocator nonces;
    PayerElection election;
    ChainGuard chainGuard;
    Payer payer;
    GrantTracker tracker;
    DripService drips;
    GrantLookup lookup;
    /** A proof of work that is right when the nonce is "42" (the scrypt itself is the node adapter's). */
    ProofOfWork work = (challenge, nonce) -> nonce.equals("42");

    /** Outflow the tests never reach unless they set their own. */
    static final OutflowPolicy AMPLE = new OutflowPolicy(Wei.ofDyt("1000000"), Wei.ofDyt("1000000"), new BigDecimal("0.1"));
    static final ProofOfWorkPolicy NO_POW = new ProofOfWorkPolicy(0, 16384, 8, 1, Duration.ofMinutes(10));

    /** Limits no test of the tracker or the payer reaches. */
    static final FaucetPolicy.Limits ROOMY = new FaucetPolicy.Limits(10, 1000, 1, Wei.ofDyt("10000"), 5);

    FaucetHarness() {
        this(ROOMY);
    }

    /** {@link #ROOMY} limits on {@code clock}. */
    FaucetHarness(Clock clock) {
        this(ROOMY, clock);
    }

    FaucetHarness(FaucetPolicy.Limits limits) {
        this(limits, Clock.systemUTC());
    }

    /** The use cases on {@code clock} (the in-memory stores keep the system clock, as a database would). */
    FaucetHarness(FaucetPolicy.Limits limits, Clock clock) {
        chain = new FakeChain();
        ledger = new InMemoryGrantLedger();
        transfers = new InMemoryInternalTransfers(ledger.leases());
        controls = new InMemoryFaucetControls();
        blocks = new InMemoryBlockList();
        challenges = new InMemoryChallengeStore();
        challengeIds = new InMemoryChallengeIds();
        badReputation = ConcurrentHashMap.newKeySet();
        keys = new FakeChain.Keys(FAUCET);
        instance = "first";
        this.clock = clock;
        payerLease = Duration.ofSeconds(30);
        chain.fund(FAUCET, Wei.ofDyt("1000000"));
        policy = new FaucetPolicy(Wei.ofDyt("10"), Wei.ofDyt("100"), limits, AMPLE, NO_POW, 64, new BigDecimal("0.1"),
                new FeePolicy(Wei.of(500_000_000_000L)), Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(5));
        restart();
    }

    /** A second instance on the same ledger (and payer lease), chain and key: it becomes the payer only when the lease is free. */
    FaucetHarness(FaucetHarness other, String instance) {
        this(other, instance, Duration.ZERO, Duration.ofSeconds(30));
    }

    /** Another instance whose clock is {@code clockOffset} off the others', with its own payer lease duration. */
    FaucetHarness(FaucetHarness other, String instance, Duration clockOffset, Duration payerLease) {
        clock = Clock.offset(Clock.systemUTC(), clockOffset);
        this.payerLease = payerLease;
        chain = other.chain;
        ledger = other.ledger;
        transfers = other.transfers;
        controls = other.controls;
        blocks = other.blocks;
        challenges = other.challenges;
        challengeIds = other.challengeIds;
        badReputation = other.badReputation;
        keys = other.keys;
        this.instance = instance;
        policy = other.policy;
        restart();
    }

    FaucetHarness with(UnaryOperator<FaucetPolicy> change) {
        policy = change.apply(policy);
        restart();
        return this;
    }

    FaucetHarness withFinality(Finality f) {
        finality = f;
        restart();
        return this;
    }

    FaucetHarness withReplaceAfter(Duration d) {
        return with(p -> new FaucetPolicy(p.dripAmount(), p.minBalance(), p.limits(), p.outflow(), p.proofOfWork(),
                p.ipv6Prefix(), p.reputationFactor(), p.fees(), d, p.confirmWait(), p.sendWait()));
    }

    FaucetHarness withFeeCeiling(Wei ceiling) {
        return with(p -> new FaucetPolicy(p.dripAmount(), p.minBalance(), p.limits(), p.outflow(), p.proofOfWork(),
                p.ipv6Prefix(), p.reputationFactor(), new FeePolicy(ceiling), p.replaceAfter(), p.confirmWait(), p.sendWait()));
    }

    FaucetHarness withOutflow(OutflowPolicy outflow) {
        return with(p -> new FaucetPolicy(p.dripAmount(), p.minBalance(), p.limits(), outflow, p.proofOfWork(),
                p.ipv6Prefix(), p.reputationFactor(), p.fees(), p.replaceAfter(), p.confirmWait(), p.sendWait()));
    }

    FaucetHarness withProofOfWork(ProofOfWorkPolicy pow) {
        return with(p -> new FaucetPolicy(p.dripAmount(), p.minBalance(), p.limits(), p.outflow(), pow,
                p.ipv6Prefix(), p.reputationFactor(), p.fees(), p.replaceAfter(), p.confirmWait(), p.sendWait()));
    }

    void restart() {
        if (election != null) {
            election.resign();
        }
        ReputationList reputation = badReputation::contains;
        Application app = Application.assemble(
                new Application.Ports(chain, chain, keys, ledger, controls, new InMemoryKeyRotationLog(), ledger.leases(), transfers, blocks,
                        challenges, challengeIds,
                        reputation, work, TestKeccak.INSTANCE, telemetry, clock),
                new Application.Choices(policy, List.of(), Optional.empty(), Optional.empty(), 1, finality, instance,
                        payerLease));
        election = app.election();
        chainGuard = app.chain();
        // as the server's start does, before anything is paid (a test of a node down at the start leaves it unchecked)
        try {
            chainGuard.check();
        } catch (com.dytallix.domain.sync.NodeException e) {
            // checked again by the test, as by the server's job
        }
        election.campaign();
        status = app.status();
        nonces = app.nonces();
        payer = app.payer();
        tracker = app.tracker();
        drips = app.drips();
        lookup = app.grants();
        status.refresh();
    }

    /** How long a test waits for the records of the grants it was answered about (seconds when all is well). */
    static final Duration RECORDS_WAIT = Duration.ofSeconds(20);

    DripResult request(String address, String ip) {
        return request(command(address, ip));
    }

    /** What a client without a challenge, key or wait asks for. */
    static DripCommand command(String address, String ip) {
        return new DripCommand(address, ClientIp.parse(ip), "test-agent", Optional.empty(), false, Optional.empty());
    }

    /**
     * A drip request as a client makes it, then {@link #recorded()}: what a test reads of the ledger,
     * or a tracker's pass it runs, afterwards sees the grant as its answer said. (A grant the node took
     * is answered before its move to SUBMITTED is written; a test about that gap calls
     * {@code drips.request} itself.)
     */
    DripResult request(DripCommand command) {
        try {
            return drips.request(command);
        } finally {
            recorded();
        }
    }

    /** {@link Payer#pay} for a request's grant, then {@link #recorded()}, as {@link #request(DripCommand)}. */
    Grant pay(Grant reserved) {
        try {
            return payer.pay(reserved);
        } finally {
            recorded();
        }
    }

    /** Waits until every grant this instance answered as taken by the node has that written to the ledger. */
    void recorded() {
        if (!payer.awaitRecords(RECORDS_WAIT)) {
            throw new AssertionError("grants answered as submitted were still not recorded after " + RECORDS_WAIT);
        }
    }

    /** Outcomes of the fingerprints recorded for this IP, oldest first. */
    List<String> outcomes(String ip) {
        return ledger.fingerprints().stream().filter(f -> f.ip().equals(ClientIp.parse(ip))).map(Fingerprint::outcome).toList();
    }

    static String address(int i) {
        return String.format("0x%040x", 0x1000 + i);
    }

    static Address parsed(int i) {
        return Address.parse(address(i), TestKeccak.INSTANCE);
    }
}
