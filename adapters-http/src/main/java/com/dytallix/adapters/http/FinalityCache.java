package com.dytallix.adapters.http;

import com.dytallix.application.subscription.ChainFeed;
import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.sync.RawJson;
import com.dytallix.domain.telemetry.Telemetry;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.LongPredicate;
import java.util.function.Function;

/**
 * The relay's answers that cannot change any more, kept in memory up to RPC_CACHE_MAX_BYTES (least
 * recently used first out): blocks, transactions, receipts and logs whose blocks are final (at least
 * FAUCET_CONFIRMATIONS deep), asked for by block number or by hash. An answer is the node's result
 * bytes as they came, so a hit is byte-for-byte what the node said, and is written from the one array it is kept in.
 *
 * <p>Never cached: anything asked of a block tag ({@code latest}, {@code pending}, {@code safe},
 * {@code finalized}, {@code earliest}) or of a range that reaches one (so an answer tied to the head
 * never outlives its block), a {@code null} answer (a pending receipt, a block not mined yet), an
 * answer whose block is not final yet, and a node error.
 *
 * <p>Reorgs: the cache is a {@link ChainFeed.ChainWatcher}. An answer is stored only if the feed was
 * already following the chain when it was fetched, so every block that leaves the chain afterwards is
 * seen; the cache asks the feed to follow from the start, and an answer worth keeping that comes
 * while the feed is idle wakes it again instead of being stored. While the cache holds
 * anything (or waits to) the feed follows the chain, and a block that leaves the canonical chain
 * evicts every answer about that height or above; a reorg deeper than the feed remembers (or a gap
 * it skipped) empties the cache. An answer fetched while a reorg was being handled is not stored.
 *
 * <p>Memory: each entry is charged its key's characters and the array its answer's bytes are kept in (a node's answer
 * around a result short of {@link RawJson#compact()}'s threshold, up to twice the result) plus a fixed overhead; keys over
 * {@value #MAX_KEY_CHARS} characters and answers over an eighth of the budget are not stored, so
 * hostile keys can only push other entries out, never grow the heap.
 */
final class FinalityCache implements ChainFeed.ChainWatcher {
    static final int MAX_KEY_CHARS = 1024;
    /** What a map entry, its strings' headers and the range cost besides the characters. */
    static final int ENTRY_OVERHEAD = 160;

    /** Methods whose first parameter is a block number; the answer belongs to that block. */
    private static final Set<String> BY_NUMBER = Set.of("eth_getBlockByNumber", "eth_getBlockTransactionCountByNumber",
            "eth_getUncleCountByBlockNumber", "eth_getTransactionByBlockNumberAndIndex", "eth_getUncleByBlockNumberAndIndex",
            "eth_getBlockReceipts");
    /** Methods asked by a hash; the block is read from the answer: the member that holds it. */
    private static final Map<String, String> BY_HASH = Map.of(
            "eth_getBlockByHash", "number",
            "eth_getTransactionByBlockHashAndIndex", "blockNumber",
            "eth_getTransactionByHash", "blockNumber",
            "eth_getTransactionReceipt", "blockNumber");
    private static final String LOGS = "eth_getLogs";

    private final long maxBytes;
    private final LongPredicate isFinal;
    private final Telemetry telemetry;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;
    /** Moves on every eviction by a reorg and whenever the feed starts or stops: an answer fetched across one is not stored. */
    private long epoch;
    /** Whether the feed follows the chain now. */
    private boolean followed;
    /**
     * Keep the feed following until an answer is stored: from the start (so the first answers are
     * kept), and again when an answer worth keeping came while it was idle.
     */
    private boolean wanted;

    private record Entry(RawJson answer, long lowBlock, long highBlock, long cost) {
    }

    /**
     * @param maxBytes  RPC_CACHE_MAX_BYTES; 0 turns the cache off
     * @param isFinal   whether a block number is deep enough to be final now
     */
    FinalityCache(long maxBytes, LongPredicate isFinal, Telemetry telemetry) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative");
        }
        this.maxBytes = maxBytes;
        this.wanted = maxBytes > 0;
        this.isFinal = isFinal;
        this.telemetry = telemetry;
    }

    /** Whether answers of this method may be cached at all. */
    static boolean cacheable(String method) {
        return BY_NUMBER.contains(method) || BY_HASH.containsKey(method) || LOGS.equals(method);
    }

    /**
     * The answer from the cache, or from {@code node} (given the params as JSON text), stored when it
     * is final.
     *
     * @param paramsJson the request's params as the node gets them (read again here only for an answer worth keeping)
     */
    RawJson answer(String method, String paramsJson, Function<String, RawJson> node) {
        if (maxBytes == 0 || !cacheable(method)) {
            return node.apply(paramsJson);
        }
        String key = method.length() + paramsJson.length() > MAX_KEY_CHARS ? null : method + paramsJson;
        long seen;
        synchronized (this) {
            Entry hit = key == null ? null : entries.get(key);
            if (hit != null) {
                telemetry.rpcCacheLookup(true);
                return hit.answer();
            }
            seen = epoch;
        }
        telemetry.rpcCacheLookup(false);
        RawJson answer = node.apply(paramsJson);
        if (key != null && !answer.isNull()) {
            Json.tree(paramsJson).flatMap(params -> blocksOf(method, params, answer)).ifPresent(range -> store(key, answer, range, seen));
        }
        return answer;
    }

    /** The blocks an answer is about, when every one of them is final; empty when it must not be cached. */
    private Optional<long[]> blocksOf(String method, JsonNode params, RawJson answer) {
        if (answer.isNull() || params == null || !params.isArray() || params.isEmpty()) {
            return Optional.empty();
        }
        JsonNode first = params.get(0);
        OptionalLong low;
        OptionalLong high;
        if (BY_NUMBER.contains(method)) {
            low = quantity(first);
            high = low;
        } else if (BY_HASH.containsKey(method)) {
            low = memberOf(answer, BY_HASH.get(method), false);
            high = low;
        } else if (first.isObject() && first.has("blockHash")) {
            // the logs of one block: its number is on each log; no log, no number, not cached
            low = memberOf(answer, "blockNumber", true);
            high = low;
        } else if (first.isObject()) {
            low = quantity(first.get("fromBlock"));
            high = quantity(first.get("toBlock"));
        } else {
            return Optional.empty();
        }
        if (low.isEmpty() || high.isEmpty() || low.getAsLong() > high.getAsLong() || !isFinal.test(high.getAsLong())) {
            return Optional.empty();
        }
        return Optional.of(new long[]{low.getAsLong(), high.getAsLong()});
    }

    private synchronized void store(String key, RawJson answer, long[] range, long seen) {
        long cost = (long) key.length() + answer.bytes().length + ENTRY_OVERHEAD;
        if (!followed) {
            wanted = true; // a reorg now would go unseen: the feed is woken, a later answer is kept
            return;
        }
        if (seen != epoch || cost > maxBytes / 8) {
            return;
        }
        wanted = false;
        Entry previous = entries.put(key, new Entry(answer, range[0], range[1], cost));
        bytes += cost - (previous == null ? 0 : previous.cost());
        for (Iterator<Entry> oldest = entries.values().iterator(); bytes > maxBytes && oldest.hasNext(); ) {
            bytes -= oldest.next().cost();
            oldest.remove();
        }
    }

    /** A block number as a hex quantity; a tag (latest, pending, …), or anything else, is empty. */
    private static OptionalLong quantity(JsonNode value) {
        return value == null || !value.isTextual() ? OptionalLong.empty() : quantity(value.asText());
    }

    /** {@code 0x0}, or 0x and up to 16 hex digits without a leading zero; checked by hand, it runs on every cacheable call. */
    private static OptionalLong quantity(String text) {
        int n = text.length();
        if (n < 3 || n > 18 || text.charAt(0) != '0' || text.charAt(1) != 'x' || (n > 3 && text.charAt(2) == '0')) {
            return OptionalLong.empty();
        }
        for (int i = 2; i < n; i++) {
            char c = text.charAt(i);
            if (!HexFormat.isHexDigit(c)) {
                return OptionalLong.empty();
            }
        }
        long value = Long.parseUnsignedLong(text, 2, n, 16);
        return value < 0 ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /**
     * A hex quantity member of the answer object (or of the first object of an answer array),
     * read without building the answer's tree: blocks can be large.
     */
    private static OptionalLong memberOf(RawJson answer, String name, boolean inFirstOfArray) {
        try (JsonParser p = Json.MAPPER.createParser(answer.bytes(), answer.offset(), answer.length())) {
            JsonToken t = p.nextToken();
            if (inFirstOfArray) {
                if (t != JsonToken.START_ARRAY) {
                    return OptionalLong.empty();
                }
                t = p.nextToken();
            }
            if (t != JsonToken.START_OBJECT) {
                return OptionalLong.empty();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals(name)) {
                    return value == JsonToken.VALUE_STRING ? quantity(p.getText())
                            : OptionalLong.empty();
                }
                p.skipChildren();
            }
            return OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            // not the shape a node answers with: simply not cached
            return OptionalLong.empty();
        }
    }

    @Override
    public synchronized boolean watching() {
        return wanted || !entries.isEmpty();
    }

    @Override
    public synchronized void following(boolean following) {
        epoch++;
        followed = following;
    }

    @Override
    public synchronized void left(BlockHeader block) {
        epoch++;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.highBlock() >= block.number()) {
                bytes -= e.cost();
                it.remove();
            }
        }
    }

    @Override
    public synchronized void lostTrack() {
        epoch++;
        entries.clear();
        bytes = 0;
    }

    /** Bytes charged to the entries held now. */
    synchronized long bytes() {
        return bytes;
    }

    synchronized int size() {
        return entries.size();
    }
}
