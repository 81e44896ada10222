package com.dytallix.application.subscription;

/** A connection asked for more subscriptions than WS_MAX_SUBSCRIPTIONS allows. */
public final class SubscriptionLimitException extends RuntimeException {
    public SubscriptionLimitException(int limit) {
        super("this connection already has " + limit + " subscriptions, the most allowed; unsubscribe one first",
                null, false, false);
    }
}
