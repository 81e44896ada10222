package com.dytallix.application.subscription;

import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.sync.BlockReader;
import com.dytallix.domain.sync.ChainLog;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code eth_subscribe} for every connection from one upstream feed: {@link #poll()} (one thread,
 * called on a schedule) follows the node's head, reads each new block's header once and, while any
 * {@code logs} subscription exists, its logs once, and hands them to every matching subscription.
 * The node sees the same calls for one subscriber as for a thousand. Each step reads one node,
 * the one with the best head ({@link BlockReader#onFreshestNode()}).
 *
 * <p>Reorganisations: the hashes of the last {@value #HISTORY} announced blocks are kept. A new
 * block whose parent is not the announced block below it means that block left the chain: its
 * matched logs are announced again with {@code removed: true} (as Ethereum nodes do), and the
 * replacement blocks are announced as new heads. A head further than {@value #MAX_CATCH_UP} blocks
 * ahead (the node caught up after a stall) is joined at its last {@value #MAX_CATCH_UP} blocks.
 *
 * <p>The feed follows the chain while anyone is subscribed or a {@link ChainWatcher} asks it to (the
 * relay's finality cache, so that a reorg evicts what it invalidates); otherwise it makes no node
 * calls. A subscription made while it is idle reads the head once, and the first step announces
 * every block mined since, so a first subscriber misses no block until that step.
 */
public final class ChainFeed {
    static final int HISTORY = 64;
    static final int MAX_CATCH_UP = 32;
    private static final SecureRandom IDS = new SecureRandom();

    private final BlockReader reader;
    private final int maxPerConnection;
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final List<ChainWatcher> watchers = new CopyOnWriteArrayList<>();
    /** False while the feed is idle (no history): a new subscriber then notes the head it subscribed at. */
    private volatile boolean following;
    /** The lowest head a subscriber subscribed at while the feed was idle, -1 for none. */
    private final AtomicLong joinAfter = new AtomicLong(-1);
    /** Announced blocks, oldest first; only the poll thread touches it. */
    private final Deque<Announced> history = new ArrayDeque<>();

    /** @param maxPerConnection WS_MAX_SUBSCRIPTIONS */
    public ChainFeed(BlockReader reader, int maxPerConnection) {
        if (maxPerConnection < 1) {
            throw new IllegalArgumentException("maxPerConnection must be at least 1");
        }
        this.reader = reader;
        this.maxPerConnection = maxPerConnection;
    }

    /** A connection's handle on the feed; {@link Session#close()} drops its subscriptions. */
    public Session open(Subscriber subscriber) {
        return new Session(subscriber);
    }

    /**
     * Something kept from blocks that a reorg can take away. It is told from the poll thread, and
     * keeps the feed following the chain while it says it is {@link #watching()}.
     */
    public interface ChainWatcher {
        /** Whether the feed should follow the chain for this watcher now (each step costs a node call). */
        boolean watching();

        /** This block left the canonical chain (the blocks above it already did, or go next). */
        void left(BlockHeader block);

        /** The feed cannot tell what changed (a reorg deeper than it remembers, or a gap it skipped). */
        void lostTrack();

        /**
         * The feed began following the chain (true: every block that leaves it from now on is told),
         * or stopped because nobody watches (false: from now on nothing is told). Anything kept from
         * the chain while the feed does not follow it could be reorganised away unseen.
         */
        void following(boolean following);
    }

    public void watch(ChainWatcher watcher) {
        watchers.add(watcher);
    }

    public int subscriptions() {
        return subscriptions.size();
    }

    private record Subscription(Session owner, LogFilter filter) {
        boolean heads() {
            return filter == null;
        }
    }

    private record Announced(BlockHeader header, List<ChainLog> matchedLogs) {
    }

    public final class Session {
        private final Subscriber subscriber;
        private int count;
        private boolean closed;

        private Session(Subscriber subscriber) {
            this.subscriber = subscriber;
        }

        /** @throws SubscriptionLimitException when this connection has WS_MAX_SUBSCRIPTIONS already */
        public String subscribeNewHeads() {
            return joined(add(null));
        }

        /** @throws SubscriptionLimitException when this connection has WS_MAX_SUBSCRIPTIONS already */
        public String subscribeLogs(LogFilter filter) {
            return joined(add(filter));
        }

        /** While the feed is idle, its first step starts from the head of this moment, not of that step. */
        private String joined(String id) {
            if (!following) {
                try {
                    long head = reader.onFreshestNode().latestHeader().number();
                    joinAfter.accumulateAndGet(head, (a, b) -> a < 0 ? b : Math.min(a, b));
                } catch (RuntimeException nodeFailed) {
                    // the first step joins at the head it finds
                }
            }
            return id;
        }

        /** @return false when the id is not one of this connection's subscriptions */
        public synchronized boolean unsubscribe(String id) {
            Subscription s = subscriptions.get(id);
            if (s == null || s.owner() != this) {
                return false;
            }
            subscriptions.remove(id);
            count--;
            return true;
        }

        public synchronized void close() {
            closed = true;
            subscriptions.values().removeIf(s -> s.owner() == this);
            count = 0;
        }

        private synchronized String add(LogFilter filter) {
            if (closed) {
                throw new IllegalStateException("the connection is closed");
            }
            if (count >= maxPerConnection) {
                throw new SubscriptionLimitException(maxPerConnection);
            }
            byte[] raw = new byte[16];
            IDS.nextBytes(raw);
            String id = "0x" + HexFormat.of().formatHex(raw);
            subscriptions.put(id, new Subscription(this, filter));
            count++;
            return id;
        }
    }

    /**
     * One step of following the head: announces every block since the last step, in order. Throws
     * the node's failure; the next step carries on from the last block announced.
     */
    public void poll() {
        following = false; // before the check: a subscriber arriving after it notes its head
        if (subscriptions.isEmpty() && watchers.stream().noneMatch(ChainWatcher::watching)) {
            // nobody listens: no node calls, and a later subscriber starts at the head of its time
            if (!history.isEmpty()) {
                history.clear();
                watchers.forEach(w -> w.following(false));
            }
            return;
        }
        following = true;
        boolean joining = history.isEmpty();
        // one node for the whole step, the one with the best head: two nodes a block apart would look like a reorg
        BlockReader node = reader.onFreshestNode();
        try {
            step(node);
        } finally {
            if (joining && !history.isEmpty()) {
                // from now on a block that leaves the chain is seen: what watchers keep from now on is safe
                watchers.forEach(w -> w.following(true));
            }
        }
    }

    private void step(BlockReader node) {
        BlockHeader latest = node.latestHeader();
        Announced tip = history.peekLast();
        long from;
        if (tip == null) {
            long after = joinAfter.getAndSet(-1);
            if (after < 0 || after >= latest.number()) {
                history.addLast(new Announced(latest, List.of()));
                return;
            }
            from = after + 1; // blocks mined since the first subscriber subscribed
        } else {
            joinAfter.set(-1);
            if (latest.hash().equals(tip.header().hash()) || latest.number() < tip.header().number()) {
                // nothing new, or a node behind the one we followed: wait until the chain passes our tip
                return;
            }
            if (latest.number() == tip.header().number()) {
                retract(history.pollLast());
            }
            from = history.isEmpty() ? latest.number() : history.peekLast().header().number() + 1;
        }
        if (latest.number() - from >= MAX_CATCH_UP) {
            history.clear();
            watchers.forEach(ChainWatcher::lostTrack);
            from = latest.number() - MAX_CATCH_UP + 1;
        }
        long n = from;
        while (n <= latest.number()) {
            BlockHeader block = n == latest.number() ? latest : node.header(n).orElse(null);
            if (block == null) {
                return; // the node's view moved under us; the next step resumes here
            }
            Announced below = history.peekLast();
            if (below != null && below.header().number() == n - 1 && !below.header().hash().equals(block.parentHash())) {
                retract(history.pollLast());
                n--;
                continue;
            }
            announce(node, block);
            n++;
        }
    }

    private void announce(BlockReader node, BlockHeader block) {
        boolean wantLogs = subscriptions.values().stream().anyMatch(s -> !s.heads());
        List<ChainLog> blockLogs = wantLogs ? node.logs(block.hash()) : List.of();
        subscriptions.forEach((id, s) -> {
            if (s.heads()) {
                s.owner().subscriber.newHead(id, block);
            }
        });
        List<ChainLog> matched = new ArrayList<>();
        for (ChainLog log : blockLogs) {
            boolean any = false;
            for (Map.Entry<String, Subscription> e : subscriptions.entrySet()) {
                Subscription s = e.getValue();
                if (!s.heads() && s.filter().matches(log)) {
                    s.owner().subscriber.log(e.getKey(), log);
                    any = true;
                }
            }
            if (any) {
                matched.add(log);
            }
        }
        // only logs someone received can need a retraction
        history.addLast(new Announced(block, List.copyOf(matched)));
        while (history.size() > HISTORY) {
            history.removeFirst();
        }
    }

    /** The block left the canonical chain: its logs go out again, last first, marked removed. */
    private void retract(Announced gone) {
        watchers.forEach(w -> w.left(gone.header()));
        if (history.isEmpty()) {
            // the reorg reaches below the blocks remembered: how deep it goes is unknown
            watchers.forEach(ChainWatcher::lostTrack);
        }
        List<ChainLog> logs = gone.matchedLogs();
        for (int i = logs.size() - 1; i >= 0; i--) {
            ChainLog removed = logs.get(i).asRemoved();
            subscriptions.forEach((id, s) -> {
                if (!s.heads() && s.filter().matches(removed)) {
                    s.owner().subscriber.log(id, removed);
                }
            });
        }
    }
}
