package com.dytallix.application.subscription;

import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.sync.ChainLog;

/**
 * Where a connection's notifications go. Called from the feed's one thread for every subscriber in
 * turn, so an implementation hands the notification on (a bounded queue) and never blocks.
 */
public interface Subscriber {
    void newHead(String subscriptionId, BlockHeader header);

    void log(String subscriptionId, ChainLog log);
}
