package com.dytallix.application.admin;

import com.dytallix.application.faucet.ChainGuard;
import com.dytallix.application.status.StatusService;
import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.Keccak256;
import com.dytallix.domain.admission.Block;
import com.dytallix.domain.admission.BlockList;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.AuditEntry;
import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.faucet.PauseState;
import com.dytallix.domain.faucet.TopUp;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantRecords;
import com.dytallix.domain.grant.GrantQuery;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.grant.LedgerChain;
import com.dytallix.domain.key.KeyRing;
import com.dytallix.domain.key.KeyRotation;
import com.dytallix.domain.key.KeyRotationLog;
import com.dytallix.domain.sync.ChainReads;
import com.dytallix.domain.sync.NodeException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The operator's actions. Each one, allowed or not, lands in the audit log. */
public final class AdminService {
    private final FaucetControls controls;
    private final KeyRing keys;
    private final KeyRotationLog rotations;
    private final GrantRecords records;
    private final ChainReads node;
    private final StatusService status;
    private final BlockList blocks;
    private final Keccak256 keccak;
    private final ChainGuard chain;
    private final Clock clock;

    public AdminService(FaucetControls controls, KeyRing keys, KeyRotationLog rotations, GrantRecords records,
                        ChainReads node, StatusService status, BlockList blocks, Keccak256 keccak, ChainGuard chain, Clock clock) {
        this.blocks = blocks;
        this.chain = chain;
        this.keccak = keccak;
        this.controls = controls;
        this.keys = keys;
        this.rotations = rotations;
        this.records = records;
        this.node = node;
        this.status = status;
        this.clock = clock;
    }

    public PauseState pause(Optional<String> reason, ClientIp ip) {
        return audited("pause", ip, now -> {
            PauseState state = controls.pause(reason, now);
            status.pauseChanged(state);
            return state;
        }, s -> "reason=" + s.reason().orElse(""));
    }

    /**
     * Lifts the operator's pause.
     *
     * @return the faucet's state after it (still paused, with the reason, while a chain reset pauses it) and the audit
     *         log's time of the action
     */
    public Resumed resume(ClientIp ip) {
        return audited("resume", ip, now -> {
            PauseState state = controls.resume(now);
            status.pauseChanged(state);
            return new Resumed(state, now);
        }, r -> "");
    }

    /** What {@link #resume} did: the faucet's pause state after it, and when. */
    public record Resumed(PauseState state, Instant at) {
    }

    /**
     * Makes the node's chain (of genesis {@code genesis}, as the operator read it from the pause reason or the log) the
     * chain the ledger pays on, after a reset: see {@link ChainGuard#adopt}.
     *
     * @throws IllegalArgumentException when {@code genesis} is not a 32-byte hash in hex
     * @throws ChainGuard.NotTheNodesChain when the node's genesis is another
     */
    public ChainAdoption adoptChain(String genesis, ClientIp ip) {
        return audited("adopt-chain", ip, now -> {
            if (genesis == null || !genesis.strip().matches("0[xX][0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException("genesis must be the new chain's genesis block hash: 0x and 64 hex digits");
            }
            String previous = chain.ledgerGenesis().orElse("");
            LedgerChain.Adoption adoption = chain.adopt(genesis);
            PauseState pause = controls.pauseState();
            status.pauseChanged(pause);
            return new ChainAdoption(genesis.strip().toLowerCase(java.util.Locale.ROOT), adoption.adopted() ? Optional.of(previous)
                    : Optional.empty(), adoption.adopted(), adoption.failed(), adoption.closed(), pause);
        }, a -> "genesis=" + a.genesis() + a.previousGenesis().map(p -> " previous=" + p).orElse("") + " adopted=" + a.adopted()
                + " failed=" + a.failedGrants() + " closed=" + a.closedGrants());
    }

    /**
     * What adopting a chain did: {@code adopted} false when it already was the ledger's (nothing changed); the pause as it
     * stands now (an operator's own pause stays).
     */
    public record ChainAdoption(String genesis, Optional<String> previousGenesis, boolean adopted, int failedGrants,
                                int closedGrants, PauseState pause) {
    }

    /** Records a top-up with the balance the node reports now. */
    public TopUp topUp(Wei amount, String note, ClientIp ip) {
        return audited("topup", ip, now -> {
            var address = keys.active().address();
            Wei balance = node.balance(address);
            return controls.recordTopUp(new TopUp(Optional.empty(), amount, note, address, balance, now));
        }, t -> "amount=" + t.amount().toDytString() + " DYT balanceAfter=" + t.balanceAfter().toDytString() + " DYT");
    }

    /**
     * Makes {@code newKeyHex} the signing key for every new grant. The old key is kept until its
     * transactions are final (across restarts); with {@code drain} its balance then moves to the new address.
     */
    public KeyRotation rotateKey(String newKeyHex, boolean drain, ClientIp ip) {
        return audited("rotate-key", ip, now -> {
            KeyRotation rotation = keys.rotate(newKeyHex, drain, now);
            rotations.record(rotation);
            return rotation;
        }, r -> "previous=" + r.previousAddress() + " new=" + r.newAddress() + " drain=" + drain);
    }

    /**
     * Blocks an IP, a CIDR block or an address from the faucet, at once on every instance.
     *
     * @throws com.dytallix.domain.InvalidAddressException for a malformed 0x address
     * @throws IllegalArgumentException for a target that is none of these, or an expiry already past
     */
    public Block block(String target, String reason, Optional<Instant> expiresAt, ClientIp ip) {
        return audited("block", ip, now -> {
            if (expiresAt.filter(e -> !e.isAfter(now)).isPresent()) {
                throw new IllegalArgumentException("expiresAt must be in the future");
            }
            return blocks.add(target(target), reason, now, expiresAt);
        }, b -> "id=" + b.id() + " target=" + b.target() + " reason=" + b.reason()
                + b.expiresAt().map(e -> " expiresAt=" + e).orElse(""));
    }

    /** @return false when no block has that id */
    public boolean unblock(long id, ClientIp ip) {
        return audited("unblock", ip, now -> blocks.remove(id), removed -> "id=" + id + (removed ? "" : " (no such block)"));
    }

    public List<Block> blocks() {
        return blocks.all();
    }

    private Block.Target target(String text) {
        String t = text == null ? "" : text.strip();
        if (t.startsWith("0x") || t.startsWith("0X")) {
            return new Block.Target.Recipient(Address.parse(t, keccak));
        }
        try {
            return new Block.Target.Range(IpRange.parse(t));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("target must be an IP address, a CIDR block or a 0x address");
        }
    }

    public AdminState state() {
        Map<GrantStatus, Long> counts = records.unfinishedCounts();
        var snapshot = status.current();
        var address = keys.active().address();
        return new AdminState(controls.pauseState(), address,
                snapshot.faucetAddress().equals(address) ? snapshot.faucetBalance() : Optional.empty(),
                counts, rotations.last(), controls.recentTopUps(10), keys.retiring());
    }

    public List<Grant> grants(GrantQuery query) {
        return records.search(query);
    }

    public List<AuditEntry> audit(int limit) {
        return controls.recentAudit(limit);
    }

    /** An admin call refused before it reached an action (bad token, IP not allowed, locked out). */
    public void refused(String action, ClientIp ip, String outcome) {
        controls.audit(new AuditEntry(now(), action, ip, outcome, ""));
    }

    /** Records a read-only admin call. */
    public void viewed(String action, ClientIp ip) {
        controls.audit(new AuditEntry(now(), action, ip, "ok", ""));
    }

    /**
     * The time of an action, read once: what it records (a pause's start, a rotation, a top-up, a block)
     * and its audit entry carry the same instant, and the answer gives it back. Milliseconds, as every
     * time the API answers (docs/api.md) and the stores keep.
     */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private <T> T audited(String action, ClientIp ip, Function<Instant, T> work, Function<T, String> detail) {
        Instant at = now();
        try {
            T result = work.apply(at);
            controls.audit(new AuditEntry(at, action, ip, "ok", detail.apply(result)));
            return result;
        } catch (IllegalArgumentException e) {
            controls.audit(new AuditEntry(at, action, ip, "invalid", e.getMessage()));
            throw e;
        } catch (NodeException e) {
            controls.audit(new AuditEntry(at, action, ip, "error", "node " + e.failure().name()));
            throw e;
        } catch (RuntimeException e) {
            controls.audit(new AuditEntry(at, action, ip, "error", e.getClass().getSimpleName()));
            throw e;
        }
    }
}
