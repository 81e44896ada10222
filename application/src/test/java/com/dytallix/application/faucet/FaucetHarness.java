package com.dytallix.application.faucet;

import com.dytallix.application.FakeChain;
import com.dytallix.application.Telemetry;
import com.dytallix.application.payer.PayerElection;
import com.dytallix.application.status.StatusService;
import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.TestKeccak;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.InMemoryFaucetControls;
import com.dytallix.domain.grant.InMemoryGrantLedger;
import com.dytallix.domain.grant.QuotaLimits;
import com.dytallix.domain.key.FeePolicy;
import com.dytallix.domain.sync.SyncLagEstimator;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The faucet use cases wired over in-memory ports and a fake chain. {@link #restart()} builds new
 * services over the same ledger and chain, as a process restart would.
 */
final class FaucetHarness {
    static final Address FAUCET = Address.parse("0x00000000000000000000000000000000000fa0c7", TestKeccak.INSTANCE);

    final FakeChain chain;
    final InMemoryGrantLedger ledger;
    final InMemoryFaucetControls controls;
    final FakeChain.Keys keys;
    final String instance;
    final Clock clock = Clock.systemUTC();
    FaucetPolicy policy;
    StatusService status;
    NonceAllocator nonces;
    PayerElection election;
    Payer payer;
    GrantTracker tracker;
    DripService drips;

    FaucetHarness() {
        this(new QuotaLimits(10, 1, Wei.ofDyt("10000"), QuotaLimits.DAY), 5);
    }

    FaucetHarness(QuotaLimits quotas, int suspicious) {
        chain = new FakeChain();
        ledger = new InMemoryGrantLedger();
        controls = new InMemoryFaucetControls();
        keys = new FakeChain.Keys(FAUCET);
        instance = "first";
        chain.fund(FAUCET, Wei.ofDyt("1000000"));
        policy = new FaucetPolicy(Wei.ofDyt("10"), Wei.ofDyt("100"), quotas, suspicious,
                new FeePolicy(Wei.of(500_000_000_000L)), Duration.ofSeconds(30), Duration.ofSeconds(5));
        restart();
    }

    /** A second instance on the same ledger (and payer lease), chain and key: it becomes the payer only when the lease is free. */
    FaucetHarness(FaucetHarness other, String instance) {
        chain = other.chain;
        ledger = other.ledger;
        controls = other.controls;
        keys = other.keys;
        this.instance = instance;
        policy = other.policy;
        restart();
    }

    FaucetHarness withReplaceAfter(Duration d) {
        policy = new FaucetPolicy(policy.dripAmount(), policy.minBalance(), policy.quotas(),
                policy.suspiciousAddressesPerHour(), policy.fees(), d, policy.confirmWait());
        restart();
        return this;
    }

    FaucetHarness withFeeCeiling(Wei ceiling) {
        policy = new FaucetPolicy(policy.dripAmount(), policy.minBalance(), policy.quotas(),
                policy.suspiciousAddressesPerHour(), new FeePolicy(ceiling), policy.replaceAfter(), policy.confirmWait());
        restart();
        return this;
    }

    void restart() {
        nonces = new NonceAllocator(chain, ledger);
        if (election != null) {
            election.resign();
        }
        election = new PayerElection(ledger.leases(), instance, Duration.ofSeconds(30), clock, nonces::forget);
        election.campaign();
        status = new StatusService(chain, keys, controls, ledger, new SyncLagEstimator(Optional.empty()), Optional.empty(),
                election, clock);
        payer = new Payer(chain, keys, ledger, nonces, policy.fees(), election, clock);
        tracker = new GrantTracker(chain, keys, ledger, nonces, payer, policy.fees(), policy.replaceAfter(), election, clock,
                Telemetry.NONE);
        drips = new DripService(policy, ledger, controls, status, payer, TestKeccak.INSTANCE, clock, Telemetry.NONE);
        status.refresh();
    }

    DripResult request(String address, String ip) {
        return drips.request(new DripCommand(address, ClientIp.parse(ip), "test-agent", Optional.empty(), false));
    }

    static String address(int i) {
        return String.format("0x%040x", 0x1000 + i);
    }

    static Address parsed(int i) {
        return Address.parse(address(i), TestKeccak.INSTANCE);
    }
}
