package com.dytallix.application.faucet;

import com.dytallix.application.FakeChain;
import com.dytallix.application.Telemetry;
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

    final FakeChain chain = new FakeChain();
    final InMemoryGrantLedger ledger = new InMemoryGrantLedger();
    final InMemoryFaucetControls controls = new InMemoryFaucetControls();
    final FakeChain.Keys keys = new FakeChain.Keys(FAUCET);
    final Clock clock = Clock.systemUTC();
    final java.util.concurrent.atomic.AtomicInteger reorgs = new java.util.concurrent.atomic.AtomicInteger();
    private final Telemetry telemetry = new Telemetry() {
        @Override
        public void grantOutcome(String outcome) {
        }

        @Override
        public void rateLimitHit(com.dytallix.domain.grant.LimitScope scope) {
        }

        @Override
        public void transactionReplaced() {
        }

        @Override
        public void reorg() {
            reorgs.incrementAndGet();
        }

        @Override
        public void rpcRequest(String method, String outcome, Duration duration) {
        }
    };
    Finality finality = new Finality(1, 64);
    FaucetPolicy policy;
    StatusService status;
    NonceAllocator nonces;
    Payer payer;
    GrantTracker tracker;
    DripService drips;

    FaucetHarness() {
        this(new QuotaLimits(10, 1, Wei.ofDyt("10000"), QuotaLimits.DAY), 5);
    }

    FaucetHarness(QuotaLimits quotas, int suspicious) {
        chain.fund(FAUCET, Wei.ofDyt("1000000"));
        policy = new FaucetPolicy(Wei.ofDyt("10"), Wei.ofDyt("100"), quotas, suspicious,
                new FeePolicy(Wei.of(500_000_000_000L)), Duration.ofSeconds(30), Duration.ofSeconds(5));
        restart();
    }

    FaucetHarness withReplaceAfter(Duration d) {
        policy = new FaucetPolicy(policy.dripAmount(), policy.minBalance(), policy.quotas(),
                policy.suspiciousAddressesPerHour(), policy.fees(), d, policy.confirmWait());
        restart();
        return this;
    }

    FaucetHarness withFinality(Finality f) {
        finality = f;
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
        status = new StatusService(chain, keys, controls, ledger, new SyncLagEstimator(Optional.empty()), Optional.empty(), clock);
        nonces = new NonceAllocator(chain, ledger);
        payer = new Payer(chain, keys, ledger, nonces, policy.fees(), clock);
        tracker = new GrantTracker(chain, chain, keys, ledger, nonces, payer, policy.fees(), policy.replaceAfter(), finality, clock, telemetry);
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
