package com.dytallix.application.relay;

import com.dytallix.domain.IpRange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The filters the relay made on the node ({@code eth_newFilter}, {@code eth_newBlockFilter},
 * {@code eth_newPendingTransactionFilter}), by client, so that no client can leave more than its share
 * there. Each lives on the node, gathering logs or block hashes, until polled or until the node
 * forgets it (geth and anvil: 5 minutes without a poll).
 *
 * <p>A client holds at most {@code perClient}: one more makes the node uninstall the client's least
 * recently used one (a page reloaded leaves its old filters behind, never polled again: they are
 * the ones that go). The relay holds at most {@code total} in all: past it a new filter is refused
 * ({@link LimitReached}), unless its client is at its own bound (it then takes the place of its own
 * oldest one). A filter not used for {@link #IDLE} is forgotten, as the node forgets it. Memory: one
 * entry of a bounded size (an id of at most {@link #MAX_ID_LENGTH} characters) per filter held.
 *
 * <p>Filter ids are not bound to their client: geth's and anvil's are random (anvil: 16 random
 * letters and digits), a capability only their creator knows, and a client whose address changes
 * (a phone between networks, a NAT pool) keeps polling its filters. An id the relay did not make
 * (another instance made it) goes to the node as before.
 */
public final class RelayFilters {
    /** How long the node keeps a filter nobody polls (geth, anvil). */
    public static final Duration IDLE = Duration.ofMinutes(5);
    /** 0x, two hex digits of the node's position (several nodes), at most 64 of the node's own id. */
    static final int MAX_ID_LENGTH = 68;

    /** A new filter was refused: the relay holds as many as it allows in all. */
    public static final class LimitReached extends RuntimeException {
        private final Instant retryAt;

        LimitReached(int total, Instant retryAt) {
            super("the relay holds " + total + " filters on the node, as many as it allows (RPC_MAX_FILTERS); "
                    + "uninstall one you no longer poll, or retry later", null, false, false);
            this.retryAt = retryAt;
        }

        /** When the least recently used filter expires, at the latest. */
        public Instant retryAt() {
            return retryAt;
        }
    }

    private static final class Entry {
        final String id;
        final IpRange client;
        long lastUsed;

        Entry(String id, IpRange client, long lastUsed) {
            this.id = id;
            this.client = client;
            this.lastUsed = lastUsed;
        }
    }

    private final int perClient;
    private final int total;
    private final Clock clock;
    /** Every filter held, least recently used first (access order). */
    private final LinkedHashMap<String, Entry> all = new LinkedHashMap<>(16, 0.75f, true);
    /** The filters of each client that holds any, least recently used first. */
    private final Map<IpRange, LinkedHashMap<String, Entry>> byClient = new HashMap<>();
    /** Filters asked of the node and not answered yet. */
    private int pending;

    /**
     * @param perClient RPC_MAX_FILTERS_PER_CLIENT
     * @param total     RPC_MAX_FILTERS
     */
    public RelayFilters(int perClient, int total, Clock clock) {
        if (perClient < 1 || total < perClient) {
            throw new IllegalArgumentException("at least one filter per client, and no fewer in all than per client");
        }
        this.perClient = perClient;
        this.total = total;
        this.clock = clock;
    }

    /**
     * Before a new filter is asked of the node; then {@link #created} or {@link #failed}.
     *
     * @throws LimitReached when the relay holds {@code total} and the client is under its own bound
     */
    synchronized void reserve(IpRange client) {
        long now = clock.millis();
        expire(now);
        Map<String, Entry> own = byClient.get(client);
        boolean replacesOwn = own != null && own.size() >= perClient;
        if (!replacesOwn && all.size() + pending >= total) {
            Entry eldest = all.isEmpty() ? null : all.values().iterator().next();
            throw new LimitReached(total, Instant.ofEpochMilli((eldest == null ? now : eldest.lastUsed) + IDLE.toMillis()));
        }
        pending++;
    }

    /** The node did not make the filter. */
    synchronized void failed() {
        pending--;
    }

    /**
     * The node made the filter: it is the client's newest.
     *
     * @param id the id the client was given; an id that is not 0x and hex digits is not tracked
     * @return the ids of the client's filters over its bound, forgotten here, for the node to uninstall
     */
    synchronized List<String> created(IpRange client, String id) {
        pending--;
        String key = key(id);
        if (key == null) {
            return List.of();
        }
        forget(key);
        Entry entry = new Entry(key, client, clock.millis());
        all.put(key, entry);
        LinkedHashMap<String, Entry> own = byClient.computeIfAbsent(client, c -> new LinkedHashMap<>(16, 0.75f, true));
        own.put(key, entry);
        List<String> over = new ArrayList<>(1);
        for (Iterator<Entry> eldest = own.values().iterator(); own.size() > perClient; ) {
            Entry e = eldest.next();
            eldest.remove();
            all.remove(e.id);
            over.add(e.id);
        }
        return over;
    }

    /** A client polled the filter: it is its client's most recently used. */
    synchronized void used(String id) {
        String key = key(id);
        Entry e = key == null ? null : all.get(key);
        if (e != null) {
            byClient.get(e.client).get(key);
            e.lastUsed = clock.millis();
        }
    }

    /** The filter is gone from the node (uninstalled, or the node no longer knows it). */
    synchronized void removed(String id) {
        String key = key(id);
        if (key != null) {
            forget(key);
        }
    }

    /** Filters held on the node now. */
    public synchronized int held() {
        expire(clock.millis());
        return all.size();
    }

    /** Filters held by the client of this range now. */
    synchronized int heldBy(IpRange client) {
        expire(clock.millis());
        Map<String, Entry> own = byClient.get(client);
        return own == null ? 0 : own.size();
    }

    /** Clients holding any filter now (each costs one small map). */
    synchronized int clients() {
        expire(clock.millis());
        return byClient.size();
    }

    private void expire(long now) {
        for (Iterator<Entry> eldest = all.values().iterator(); eldest.hasNext(); ) {
            Entry e = eldest.next();
            if (now - e.lastUsed < IDLE.toMillis()) {
                return;
            }
            eldest.remove();
            removeFromClient(e);
        }
    }

    private void forget(String key) {
        Entry e = all.remove(key);
        if (e != null) {
            removeFromClient(e);
        }
    }

    private void removeFromClient(Entry e) {
        Map<String, Entry> own = byClient.get(e.client);
        if (own != null) {
            own.remove(e.id);
            if (own.isEmpty()) {
                byClient.remove(e.client);
            }
        }
    }

    /**
     * The id as tracked: exactly as the node gave it, or null when it is not 0x and 1 to 66 hex digits. A node names a
     * filter by its exact id (anvil and geth: the same id in another case is "filter not found"), so another spelling is
     * another id: were it the same here, polling or uninstalling a filter by its id in upper case would make the relay
     * forget a filter the node still holds, and a client could leave any number there. A node that reads ids as numbers
     * (another case or leading zeros naming the same filter) can only make the relay count a filter it no longer holds,
     * until the filter is its client's oldest or expires here.
     */
    static String key(String id) {
        if (id == null || id.length() < 3 || id.length() > MAX_ID_LENGTH || id.charAt(0) != '0' || id.charAt(1) != 'x') {
            return null;
        }
        for (int i = 2; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                return null;
            }
        }
        return id;
    }
}
