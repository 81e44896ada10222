package com.dytallix.domain.grant;

import com.dytallix.domain.GrantId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The ledger read: one grant, the unfinished ones, a search. What status, lookups and the admin API need. */
public interface GrantRecords {
    Optional<Grant> find(GrantId id);

    /** PENDING, SIGNED and SUBMITTED grants, oldest first. */
    List<Grant> unfinished();

    /** How many grants are PENDING, SIGNED and SUBMITTED (each of the three present, zero when none): counted, not loaded. */
    Map<GrantStatus, Long> unfinishedCounts();

    List<Grant> search(GrantQuery query);
}
