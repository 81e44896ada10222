package com.dytallix.domain.grant;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The grant lifecycle. PENDING: quota reserved, nothing signed. SIGNED: the raw transaction is
 * stored and may be (re)sent. SUBMITTED: the node accepted it at least once. CONFIRMED and
 * FAILED are final; a failed grant no longer counts against any quota.
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
