package com.dytallix.application.status;

import com.dytallix.application.payer.PayerElection;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.faucet.PauseState;
import com.dytallix.domain.grant.GrantRecords;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.key.KeyRing;
import com.dytallix.domain.sync.BlockHead;
import com.dytallix.domain.sync.ChainReads;
import com.dytallix.domain.sync.ExpectedChain;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.SyncLagEstimator;
import com.dytallix.domain.sync.SyncProgress;
import com.dytallix.domain.sync.UpstreamHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps the status snapshot that /api/status, readiness, the faucet's balance check and the
 * gauges read, so none of them waits for the node. {@link #refresh()} runs on a schedule.
 */
public final class StatusService {
    /** The node's block time is learned from this many recent intervals. */
    private static final int BLOCK_SAMPLE = 10;
    /** A lag above this many blocks makes the node "degraded". */
    private static final long DEGRADED_LAG = 10;

    private final ChainReads node;
    private final KeyRing keys;
    private final FaucetControls controls;
    private final GrantRecords records;
    private final SyncLagEstimator lagEstimator;
    private final ExpectedChain expectedChain;
    private final PayerElection election;
    private final Clock clock;
    private final AtomicReference<StatusSnapshot> current;
    private volatile Optional<String> payer = Optional.empty();
    /** Counts pause changes, so that a refresh that read the pause state before one cannot undo it. */
    private final AtomicLong pauseChanges = new AtomicLong();
    private volatile Duration learnedBlockTime;
    private volatile long blockTimeLearnedAtHeight = -1;

    public StatusService(ChainReads node, KeyRing keys, FaucetControls controls, GrantRecords records,
                         SyncLagEstimator lagEstimator, ExpectedChain expectedChain, PayerElection election, Clock clock) {
        this.node = node;
        this.keys = keys;
        this.controls = controls;
        this.records = records;
        this.lagEstimator = lagEstimator;
        this.expectedChain = expectedChain;
        this.election = election;
        this.clock = clock;
        Instant now = clock.instant();
        this.current = new AtomicReference<>(new StatusSnapshot(NodeHealth.UNREACHABLE, Optional.empty(), false,
                Optional.empty(), 0, Optional.empty(), false, Optional.empty(), keys.active().address(),
                Optional.empty(), PauseState.RUNNING, 0, Optional.empty(), Optional.of("not refreshed yet"), now));
    }

    public StatusSnapshot current() {
        return current.get();
    }

    /** The node set's health as its background checks last found it (no node call). */
    public List<UpstreamHealth> upstreams() {
        return node.upstreams();
    }

    /**
     * Why this instance should not take traffic because of its node, if it should not: no node of
     * the set is healthy, or the node has not answered within {@code fresh} (readiness).
     */
    public Optional<String> nodeProblem(Duration fresh) {
        List<UpstreamHealth> nodes = upstreams();
        if (!nodes.isEmpty() && nodes.stream().noneMatch(UpstreamHealth::healthy)) {
            return Optional.of("no healthy node: " + String.join(", ", nodes.stream().map(u -> u.name() + " "
                    + u.state().wireName() + u.problem().map(p -> " (" + p + ")").orElse("")).toList()));
        }
        Optional<Instant> observed = current().nodeObservedAt();
        if (observed.isEmpty()) {
            return Optional.of("node has not answered yet");
        }
        Duration age = Duration.between(observed.get(), clock.instant());
        return age.compareTo(fresh) > 0 ? Optional.of("node last answered " + age.toSeconds() + "s ago") : Optional.empty();
    }

    /** Nodes of the set that serve nothing now, named while another one serves. */
    public Optional<String> unhealthyNodes() {
        List<String> unhealthy = upstreams().stream().filter(u -> !u.healthy())
                .map(u -> u.name() + " " + u.state().wireName()).toList();
        return unhealthy.isEmpty() ? Optional.empty() : Optional.of("not serving: " + String.join(", ", unhealthy));
    }

    /** This instance's name. */
    public String instance() {
        return election.instance();
    }

    /** The instance holding the payer lease at the last refresh (empty while nobody holds it). */
    public Optional<String> payer() {
        return payer;
    }

    /** Reads the node, the pause state, the ledger and the payer lease once; never throws. */
    public StatusSnapshot refresh() {
        StatusSnapshot previous = current.get();
        try {
            payer = election.payer();
        } catch (RuntimeException e) {
            // the database did not answer: the last known payer stays
        }
        Instant started = clock.instant();
        long pauseChangesSeen = pauseChanges.get();
        PauseState pause = safePause(previous.pause());
        long backlog = safeBacklog(previous.mempoolBacklog());
        var faucetAddress = keys.active().address();
        StatusSnapshot next;
        try {
            long chainId = node.chainId();
            BlockHead head = node.head();
            Optional<SyncProgress> syncing = node.syncing();
            Duration blockTime = blockTime(head.number());
            Wei balance = node.balance(faucetAddress);
            Instant now = clock.instant();
            long lag = lagEstimator.lag(syncing, head.timestamp(), now, blockTime);
            Optional<String> wrongChain = expectedChain.mismatch(chainId);
            boolean chainOk = wrongChain.isEmpty();
            NodeHealth health = !chainOk || syncing.isPresent() || lag > DEGRADED_LAG ? NodeHealth.DEGRADED : NodeHealth.OK;
            next = new StatusSnapshot(health, Optional.of(chainId), chainOk, Optional.of(head.number()), lag,
                    Optional.of(SyncLagEstimator.headAge(head.timestamp(), now)), syncing.isPresent(),
                    Optional.of(blockTime), faucetAddress, Optional.of(balance), pause, backlog, Optional.of(now),
                    wrongChain,
                    now);
        } catch (NodeException e) {
            next = unreachable(previous, pause, backlog, faucetAddress, e.failure().name(), started);
        } catch (RuntimeException e) {
            next = unreachable(previous, pause, backlog, faucetAddress, e.getClass().getSimpleName(), started);
        }
        StatusSnapshot read = next;
        return current.updateAndGet(s -> pauseChanges.get() == pauseChangesSeen ? read : withPause(read, s.pause()));
    }

    private StatusSnapshot unreachable(StatusSnapshot previous, PauseState pause, long backlog,
                                       com.dytallix.domain.Address faucetAddress, String error, Instant now) {
        // Keep the last known node values; the head keeps ageing while nobody can see it move.
        // previous.headAge is as of previous.refreshedAt (already aged if the node was down then too)
        Optional<Duration> headAge = previous.headAge().map(age -> age.plus(Duration.between(previous.refreshedAt(), now)));
        long lag = previous.syncLag();
        if (headAge.isPresent() && previous.blockTime().isPresent()) {
            lag = Math.max(lag, SyncLagEstimator.stalledBlocks(headAge.get(), previous.blockTime().get()));
        }
        return new StatusSnapshot(NodeHealth.UNREACHABLE, previous.chainId(), false, previous.height(), lag,
                headAge, previous.syncing(), previous.blockTime(), faucetAddress,
                faucetAddress.equals(previous.faucetAddress()) ? previous.faucetBalance() : Optional.empty(),
                pause, backlog, previous.nodeObservedAt(), Optional.of(error), now);
    }

    private Duration blockTime(long height) {
        // Learning needs a few extra calls; do it at start and then only every hundred blocks.
        if (learnedBlockTime == null || height - blockTimeLearnedAtHeight >= 100 || height < blockTimeLearnedAtHeight) {
            learnedBlockTime = lagEstimator.blockTime(node.recentBlockIntervals(BLOCK_SAMPLE));
            blockTimeLearnedAtHeight = height;
        }
        return learnedBlockTime;
    }

    private PauseState safePause(PauseState fallback) {
        try {
            return controls.pauseState();
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    private long safeBacklog(long fallback) {
        try {
            Map<GrantStatus, Long> counts = records.unfinishedCounts();
            return counts.get(GrantStatus.SIGNED) + counts.get(GrantStatus.SUBMITTED);
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    /** Updates the pause state in the snapshot at once, so a pause shows without waiting for the next refresh. */
    public void pauseChanged(PauseState state) {
        pauseChanges.incrementAndGet();
        current.updateAndGet(s -> withPause(s, state));
    }

    private static StatusSnapshot withPause(StatusSnapshot s, PauseState state) {
        return new StatusSnapshot(s.nodeHealth(), s.chainId(), s.chainIdVerified(), s.height(),
                s.syncLag(), s.headAge(), s.syncing(), s.blockTime(), s.faucetAddress(), s.faucetBalance(), state,
                s.mempoolBacklog(), s.nodeObservedAt(), s.lastError(), s.refreshedAt());
    }
}
