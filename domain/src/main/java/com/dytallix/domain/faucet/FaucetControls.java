package com.dytallix.domain.faucet;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The operator's levers on the faucet, kept across restarts: pause state, top-ups, audit trail. */
public interface FaucetControls {
    PauseState pauseState();

    PauseState pause(Optional<String> reason, Instant at);

    PauseState resume(Instant at);

    TopUp recordTopUp(TopUp topUp);

    List<TopUp> recentTopUps(int limit);

    void audit(AuditEntry entry);

    List<AuditEntry> recentAudit(int limit);

    /** Deletes audit entries older than {@code before} (retention); returns how many went. */
    int pruneAudit(Instant before);
}
