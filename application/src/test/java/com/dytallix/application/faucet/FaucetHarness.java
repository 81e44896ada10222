package com.dytallix.application.faucet;

import com.dytallix.application.FakeChain;
import com.dytallix.domain.telemetry.Telemetry;
import com.dytallix.application.assembly.Application;
import com.dytallix.application.status.StatusService;
import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.TestKeccak;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.InMemoryFaucetControls;
import com.dytallix.domain.grant.InMemoryGrantLedger;
import com.dytallix.domain.grant.QuotaLimits;
import com.dytallix.domain.key.FeePolicy;
import com.dytallix.domain.key.InMemoryKeyRotationLog;
import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.sync.BlockReader;
import com.dytallix.domain.sync.ChainLog;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The faucet use cases wired over in-memory ports and a fake chain. {@link #restart()} builds new
 * services over the same ledger and chain, as a process restart would.
 */
final class FaucetHarness {
    static final Address FAUCET = Address.parse("0x00000000000000000000000000000000000fa0c7", TestKeccak.INSTANCE);

    /** The faucet's use cases subscribe to nothing: the subscription feed must never read. */
    private static final BlockReader NO_BLOCKS = new BlockReader() {
        @Override
        public BlockHeader latestHeader() {
            throw new UnsupportedOperationException("not used by the faucet tests");
        }

        @Override
        public Optional<BlockHeader> header(long number) {
            throw new UnsupportedOperationException("not used by the faucet tests");
        }

        @Override
        public List<ChainLog> logs(String blockHash) {
            throw new UnsupportedOperationException("not used by the faucet tests");
        }
    };

    final FakeChain chain = new FakeChain();
    final InMemoryGrantLedger ledger = new InMemoryGrantLedger();
    final InMemoryFaucetControls controls = new InMemoryFaucetControls();
    final FakeChain.Keys keys = new FakeChain.Keys(FAUCET);
    final Clock clock = Clock.systemUTC();
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

    FaucetHarness withFeeCeiling(Wei ceiling) {
        policy = new FaucetPolicy(policy.dripAmount(), policy.minBalance(), policy.quotas(),
                policy.suspiciousAddressesPerHour(), new FeePolicy(ceiling), policy.replaceAfter(), policy.confirmWait());
        restart();
        return this;
    }

    void restart() {
        Application app = Application.assemble(
                new Application.Ports(chain, NO_BLOCKS, keys, ledger, controls, new InMemoryKeyRotationLog(), TestKeccak.INSTANCE,
                        Telemetry.NONE, clock),
                new Application.Choices(policy, List.of(), Optional.empty(), Optional.empty(), 1));
        status = app.status();
        nonces = app.nonces();
        payer = app.payer();
        tracker = app.tracker();
        drips = app.drips();
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
