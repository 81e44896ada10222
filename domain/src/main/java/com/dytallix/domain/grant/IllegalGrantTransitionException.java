package com.dytallix.domain.grant;

public final class IllegalGrantTransitionException extends IllegalStateException {
    public IllegalGrantTransitionException(GrantStatus from, GrantStatus to) {
        super("grant cannot move from " + from + " to " + to);
    }
}
