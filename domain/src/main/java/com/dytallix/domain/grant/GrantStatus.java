package com.dytallix.domain.grant;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The grant lifecycle. PENDING: quota reserved, nothing signed. SIGNED: the raw transaction is
 * stored and may be (re)sent. SUBMITTED: the node accepted it at least once (and it may sit in a
 * block not yet deep enough). CONFIRMED and FAILED are final to a user; a failed grant no longer
 * counts against any quota. One way back: a CONFIRMED grant whose block leaves the canonical chain
 * (a reorg) is SUBMITTED again until its transaction lands once more.
 */
public enum GrantStatus {
    PENDING, SIGNED, SUBMITTED, CONFIRMED, FAILED;

    private Set<GrantStatus> next() {
        return switch (this) {
            case PENDING -> EnumSet.of(SIGNED, FAILED);
            // SIGNED -> CONFIRMED: a crash after sending, the receipt found at reconciliation
            case SIGNED -> EnumSet.of(SUBMITTED, CONFIRMED, FAILED);
            // SUBMITTED -> SUBMITTED: a fee replacement of the same nonce
            case SUBMITTED -> EnumSet.of(SUBMITTED, CONFIRMED, FAILED);
            case CONFIRMED, FAILED -> EnumSet.noneOf(GrantStatus.class);
        };
    }

    public boolean canMoveTo(GrantStatus target) {
        return next().contains(target);
    }

    /** @throws IllegalGrantTransitionException when the lifecycle forbids the move */
    public GrantStatus moveTo(GrantStatus target) {
        if (!canMoveTo(target)) {
            throw new IllegalGrantTransitionException(this, target);
        }
        return target;
    }

    /**
     * The one way back, only through {@link GrantLedger#reopen}: a grant whose block left the
     * canonical chain (CONFIRMED, or SUBMITTED in a block not yet deep enough) is SUBMITTED again.
     *
     * @throws IllegalGrantTransitionException for any other status
     */
    public GrantStatus reopen() {
        if (this != CONFIRMED && this != SUBMITTED) {
            throw new IllegalGrantTransitionException(this, SUBMITTED);
        }
        return SUBMITTED;
    }

    public boolean isFinal() {
        return this == CONFIRMED || this == FAILED;
    }

    /** The word the public API uses: PENDING and SIGNED are both "pending" to a user. */
    public String publicName() {
        return this == SIGNED ? "pending" : name().toLowerCase(Locale.ROOT);
    }

    public static Set<GrantStatus> unfinished() {
        return EnumSet.of(PENDING, SIGNED, SUBMITTED);
    }
}
