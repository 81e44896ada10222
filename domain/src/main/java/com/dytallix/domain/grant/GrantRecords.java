package com.dytallix.domain.grant;

import com.dytallix.domain.GrantId;
import java.util.List;
import java.util.Optional;

/** The ledger read: one grant, the unfinished ones, a search. What status, lookups and the admin API need. */
public interface GrantRecords {
    Optional<Grant> find(GrantId id);

    /** PENDING, SIGNED and SUBMITTED grants, oldest first. */
    List<Grant> unfinished();

    List<Grant> search(GrantQuery query);
}
