package com.dytallix.application.assembly;

import com.dytallix.domain.telemetry.Telemetry;
import com.dytallix.application.admin.AdminService;
import com.dytallix.application.faucet.ChainGuard;
import com.dytallix.application.faucet.DripService;
import com.dytallix.application.faucet.FaucetAdmission;
import com.dytallix.application.faucet.FaucetPolicy;
import com.dytallix.application.faucet.Finality;
import com.dytallix.application.faucet.GrantLookup;
import com.dytallix.application.faucet.GrantTracker;
import com.dytallix.application.faucet.NonceAllocator;
import com.dytallix.application.faucet.Payer;
import com.dytallix.application.payer.PayerElection;
import com.dytallix.application.relay.RelayFilters;
import com.dytallix.application.relay.RelayPolicy;
import com.dytallix.application.relay.RelayService;
import com.dytallix.application.status.BalanceService;
import com.dytallix.application.status.StatusService;
import com.dytallix.application.subscription.ChainFeed;
import com.dytallix.domain.Keccak256;
import com.dytallix.domain.admission.BlockList;
import com.dytallix.domain.admission.ChallengeIds;
import com.dytallix.domain.admission.ChallengeStore;
import com.dytallix.domain.admission.ProofOfWork;
import com.dytallix.domain.admission.ReputationList;
import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.grant.GrantLedger;
import com.dytallix.domain.grant.GrantNotices;
import com.dytallix.domain.key.KeyRing;
import com.dytallix.domain.key.KeyRotationLog;
import com.dytallix.domain.payer.InternalTransfers;
import com.dytallix.domain.payer.PayerLeases;
import com.dytallix.domain.sync.BlockReader;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.ExpectedChain;
import com.dytallix.domain.sync.SyncLagEstimator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The use cases, assembled once from the ports. The server's composition root and the test
 * harnesses build on this, so the services are wired the same way everywhere; they differ only in
 * the adapters they pass in.
 */
public record Application(
        PayerElection election,
        StatusService status,
        BalanceService balances,
        NonceAllocator nonces,
        Payer payer,
        GrantTracker tracker,
        DripService drips,
        GrantLookup grants,
        AdminService admin,
        RelayService relay,
        ChainFeed feed,
        ChainGuard chain) {

    /** Every driven port the use cases need. */
    public record Ports(ChainNode node, BlockReader blocks, KeyRing keys, GrantLedger ledger, FaucetControls controls,
                        KeyRotationLog rotations, PayerLeases leases, InternalTransfers transfers, BlockList blockList, ChallengeStore challenges,
                        ChallengeIds challengeIds, ReputationList reputation,
                        ProofOfWork work, Keccak256 keccak, Telemetry telemetry, Clock clock, GrantNotices notices) {
        /** The ports of one instance alone, or of instances that tell each other nothing ({@link GrantNotices#NONE}). */
        public Ports(ChainNode node, BlockReader blocks, KeyRing keys, GrantLedger ledger, FaucetControls controls,
                     KeyRotationLog rotations, PayerLeases leases, InternalTransfers transfers, BlockList blockList, ChallengeStore challenges,
                     ChallengeIds challengeIds, ReputationList reputation,
                     ProofOfWork work, Keccak256 keccak, Telemetry telemetry, Clock clock) {
            this(node, blocks, keys, ledger, controls, rotations, leases, transfers, blockList, challenges, challengeIds, reputation,
                    work, keccak, telemetry, clock, GrantNotices.NONE);
        }
    }

    /**
     * What the operator chose that shapes the use cases.
     *
     * @param rpcAllowedMethods the relay's allow-list
     * @param blockTime         the expected block interval, else learned from the node
     * @param chainId           the chain id the node must report, else whatever it reports
     * @param maxSubscriptions  eth_subscribe subscriptions one connection may hold
     * @param finality          when a grant counts as confirmed, and how long its block is watched for a reorg
     * @param instance          this instance's name in status, metrics and the payer lease
     * @param payerLease        how long a payer lease lasts unless renewed
     * @param maxFiltersPerClient filters one client may hold on the node through the relay
     * @param maxFilters        filters the relay may hold on the node in all
     */
    public record Choices(FaucetPolicy policy, List<String> rpcAllowedMethods, Optional<Duration> blockTime,
                          Optional<Long> chainId, int maxSubscriptions, Finality finality, String instance,
                          Duration payerLease, int maxFiltersPerClient, int maxFilters) {
        /** With the relay's filter bounds that tests need not choose (64 per client, 4096 in all). */
        public Choices(FaucetPolicy policy, List<String> rpcAllowedMethods, Optional<Duration> blockTime,
                       Optional<Long> chainId, int maxSubscriptions, Finality finality, String instance, Duration payerLease) {
            this(policy, rpcAllowedMethods, blockTime, chainId, maxSubscriptions, finality, instance, payerLease, 64, 4096);
        }
    }

    public static Application assemble(Ports ports, Choices choices) {
        FaucetPolicy policy = choices.policy();
        var nonces = new NonceAllocator(ports.node(), ports.ledger(), ports.transfers(), choices.finality());
        // nothing is paid while the node's chain is not the ledger's; whenever that changes, the nonces are learned again
        var chain = new ChainGuard(ports.node(), ports.ledger(), ports.clock());
        chain.onChange(nonces::forget);
        FaucetControls controls = chain.controls(ports.controls());
        // a new payer learns the nonces again: another payer may have used some since this one last paid
        var election = new PayerElection(ports.leases(), choices.instance(), choices.payerLease(), nonces::forget, chain::payable);
        var status = new StatusService(ports.node(), ports.keys(), controls, ports.ledger(),
                new SyncLagEstimator(choices.blockTime()), new ExpectedChain(choices.chainId()), election, ports.clock());
        var payer = new Payer(ports.node(), ports.keys(), ports.ledger(), nonces, policy.fees(), election, ports.clock(),
                policy.sendWait(), ports.notices());
        var tracker = new GrantTracker(ports.node(), ports.keys(), ports.ledger(), ports.transfers(), nonces, payer, policy.fees(),
                policy.replaceAfter(), choices.finality(), election, chain, ports.clock(), ports.telemetry());
        chain.onChange(tracker::chainChanged);
        // after an adoption, the old chain's transactions a new node may hold are cancelled before their nonces are used
        nonces.cancelStaleWith(tracker::cancelLeftInFlight);
        chain.onChange(() -> status.pauseChanged(controls.pauseState()));
        var rules = FaucetAdmission.rules(policy, ports.blockList(), controls, ports.challenges(), ports.challengeIds(), ports.work(),
                ports.reputation(), status, payer);
        var drips = new DripService(policy, rules, ports.ledger(), controls, ports.challenges(), ports.challengeIds(), ports.reputation(),
                payer, ports.keccak(), ports.clock(), ports.telemetry());
        var admin = new AdminService(controls, ports.keys(), ports.rotations(), ports.ledger(), ports.node(), status,
                ports.blockList(), ports.keccak(), chain, ports.clock());
        var relay = new RelayService(ports.node(), new RelayPolicy(choices.rpcAllowedMethods()), status, ports.telemetry(),
                new RelayFilters(choices.maxFiltersPerClient(), choices.maxFilters(), ports.clock()), policy.ipv6Prefix());
        return new Application(election, status, new BalanceService(ports.node(), ports.keccak()), nonces, payer, tracker, drips,
                new GrantLookup(ports.ledger(), status, payer), admin, relay, new ChainFeed(ports.blocks(), choices.maxSubscriptions()), chain);
    }
}
