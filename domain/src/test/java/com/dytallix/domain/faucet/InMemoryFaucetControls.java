package com.dytallix.domain.faucet;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@link FaucetControls} in memory for tests, with the SQLite adapter's semantics (see
 * {@code FaucetControlsContract}): pausing a paused faucet keeps its start time and, unless a new
 * one is given, its reason; lists are newest first; instants are kept to the millisecond.
 */
public final class InMemoryFaucetControls implements FaucetControls {
    private PauseState state = PauseState.RUNNING;
    private final List<TopUp> topUps = new ArrayList<>();
    private final List<AuditEntry> audit = new ArrayList<>();

    @Override
    public synchronized PauseState pauseState() {
        return state;
    }

    @Override
    public synchronized PauseState pause(Optional<String> reason, Instant at) {
        state = state.paused()
                ? new PauseState(true, reason.or(state::reason), state.since())
                : new PauseState(true, reason, Optional.of(millis(at)));
        return state;
    }

    @Override
    public synchronized PauseState resume(Instant at) {
        state = PauseState.RUNNING;
        return state;
    }

    @Override
    public synchronized TopUp recordTopUp(TopUp topUp) {
        TopUp stored = new TopUp(Optional.of((long) topUps.size() + 1), topUp.amount(), topUp.note(),
                topUp.faucetAddress(), topUp.balanceAfter(), millis(topUp.at()));
        topUps.add(stored);
        return stored;
    }

    @Override
    public synchronized List<TopUp> recentTopUps(int limit) {
        return newestFirst(topUps, Comparator.comparing(TopUp::at), limit);
    }

    @Override
    public synchronized void audit(AuditEntry entry) {
        audit.add(new AuditEntry(millis(entry.at()), entry.action(), entry.ip(), entry.outcome(), entry.detail()));
    }

    @Override
    public synchronized List<AuditEntry> recentAudit(int limit) {
        return newestFirst(audit, Comparator.comparing(AuditEntry::at), limit);
    }

    @Override
    public synchronized int pruneAudit(Instant before) {
        int size = audit.size();
        audit.removeIf(e -> e.at().isBefore(before));
        return size - audit.size();
    }

    /** Latest time first; among equal times, the last recorded first. */
    private static <T> List<T> newestFirst(List<T> items, Comparator<T> byTime, int limit) {
        return items.stream().sorted(byTime).toList().reversed().stream().limit(limit).toList();
    }

    private static Instant millis(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }
}
