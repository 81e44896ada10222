package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.sync.RawJson;
import com.dytallix.domain.telemetry.RecordingTelemetry;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class FinalityCacheTest {
    private final AtomicLong head = new AtomicLong(100);
    private final RecordingTelemetry telemetry = new RecordingTelemetry();
    /** Final: at least two confirmations, as FAUCET_CONFIRMATIONS=2. */
    private final FinalityCache cache = new FinalityCache(1 << 20, n -> head.get() - n + 1 >= 2, telemetry);
    private final List<String> nodeCalls = new ArrayList<>();

    FinalityCacheTest() {
        cache.following(true); // the feed follows the chain, as it does once the cache is in use
    }

    private String ask(String method, String params, String nodeAnswer) {
        JsonNode parsed = Json.tree(params).orElseThrow();
        Function<String, RawJson> node = p -> {
            nodeCalls.add(method + p);
            return RawJson.of(nodeAnswer);
        };
        return cache.answer(method, JsonRpcRelay.paramsJson(parsed), node).text();
    }

    @Test
    void aFinalBlockByNumberIsAskedOnceAndServedAsTheNodeWroteIt() {
        String block = "{\"number\":\"0x63\",\"hash\":\"0xaa\",  \"transactions\":[]}";
        assertThat(ask("eth_getBlockByNumber", "[\"0x63\",false]", block)).isEqualTo(block);
        assertThat(ask("eth_getBlockByNumber", "[\"0x63\", false]", "changed")).isEqualTo(block);
        assertThat(nodeCalls).hasSize(1);
        assertThat(telemetry.cacheLookups).containsExactly("miss", "hit");
    }

    @Test
    void blocksNotDeepEnoughAndBlockTagsAreNeverCached() {
        ask("eth_getBlockByNumber", "[\"0x64\",false]", "{\"number\":\"0x64\"}");
        ask("eth_getBlockByNumber", "[\"0x64\",false]", "{\"number\":\"0x64\"}");
        for (String tag : List.of("latest", "pending", "safe", "finalized", "earliest")) {
            ask("eth_getBlockByNumber", "[\"" + tag + "\",false]", "{\"number\":\"0x1\"}");
            ask("eth_getBlockByNumber", "[\"" + tag + "\",false]", "{\"number\":\"0x1\"}");
        }
        assertThat(nodeCalls).hasSize(12);
        assertThat(cache.size()).isZero();
    }

    @Test
    void aNullAnswerIsNeverCached() {
        String tx = "[\"0x" + "1".repeat(64) + "\"]";
        assertThat(ask("eth_getTransactionReceipt", tx, "null")).isEqualTo("null");
        assertThat(ask("eth_getTransactionReceipt", tx, "{\"blockNumber\":\"0x10\",\"status\":\"0x1\"}")).contains("0x10");
        assertThat(ask("eth_getTransactionReceipt", tx, "other")).contains("\"status\":\"0x1\"");
        assertThat(nodeCalls).hasSize(2);
    }

    @Test
    void answersByHashAreCachedByTheBlockTheyNameAndOnlyWhenItIsFinal() {
        String tx = "[\"0x" + "2".repeat(64) + "\"]";
        // a transaction still pending has no block
        ask("eth_getTransactionByHash", tx, "{\"hash\":\"0x22\",\"blockNumber\":null}");
        // mined in the head block: not final yet
        ask("eth_getTransactionByHash", tx, "{\"hash\":\"0x22\",\"blockNumber\":\"0x64\"}");
        head.set(101);
        ask("eth_getTransactionByHash", tx, "{\"hash\":\"0x22\",\"input\":{\"x\":[1,{\"blockNumber\":\"0x1\"}]},\"blockNumber\":\"0x64\"}");
        ask("eth_getTransactionByHash", tx, "never asked");
        assertThat(nodeCalls).hasSize(3);
    }

    @Test
    void logsAreCachedForAFinalRangeOrABlockHashWithLogs() {
        String range = "[{\"fromBlock\":\"0x1\",\"toBlock\":\"0x63\",\"address\":\"0x" + "a".repeat(40) + "\"}]";
        ask("eth_getLogs", range, "[]");
        ask("eth_getLogs", range, "[]");
        String open = "[{\"fromBlock\":\"0x1\",\"toBlock\":\"latest\"}]";
        ask("eth_getLogs", open, "[]");
        ask("eth_getLogs", open, "[]");
        String noFrom = "[{\"toBlock\":\"0x2\"}]";
        ask("eth_getLogs", noFrom, "[]");
        ask("eth_getLogs", noFrom, "[]");
        String byHash = "[{\"blockHash\":\"0x" + "b".repeat(64) + "\"}]";
        ask("eth_getLogs", byHash, "[]"); // no log tells the block: not cached
        ask("eth_getLogs", byHash, "[{\"blockNumber\":\"0x50\",\"logIndex\":\"0x0\"}]");
        ask("eth_getLogs", byHash, "never asked");
        assertThat(nodeCalls).hasSize(7);
    }

    @Test
    void aBlockThatLeftTheChainEvictsEveryAnswerAboutItOrAbove() {
        ask("eth_getBlockByNumber", "[\"0x50\",false]", "{\"number\":\"0x50\"}");
        ask("eth_getBlockByNumber", "[\"0x60\",false]", "{\"number\":\"0x60\"}");
        ask("eth_getLogs", "[{\"fromBlock\":\"0x10\",\"toBlock\":\"0x58\"}]", "[]");
        assertThat(cache.watching()).isTrue();
        cache.left(new BlockHeader(0x58, "0xgone", "0xparent", "{}"));
        assertThat(cache.size()).isEqualTo(1);
        ask("eth_getBlockByNumber", "[\"0x50\",false]", "x");
        ask("eth_getBlockByNumber", "[\"0x60\",false]", "{\"number\":\"0x60\",\"hash\":\"0xnew\"}");
        assertThat(nodeCalls).hasSize(4);
        cache.lostTrack();
        assertThat(cache.size()).isZero();
        assertThat(cache.bytes()).isZero();
        assertThat(cache.watching()).isFalse();
    }

    @Test
    void anAnswerFetchedWhileABlockLeftTheChainIsNotStored() {
        JsonNode params = Json.tree("[\"0x50\",false]").orElseThrow();
        cache.answer("eth_getBlockByNumber", JsonRpcRelay.paramsJson(params), p -> {
            cache.left(new BlockHeader(0x50, "0xgone", "0xparent", "{}"));
            return RawJson.of("{\"number\":\"0x50\",\"hash\":\"0xold\"}");
        });
        assertThat(cache.size()).isZero();
    }

    @Test
    void whileTheFeedIsIdleAnAnswerIsNotStoredButWakesTheFeedAndTheNextIsKept() {
        FinalityCache fresh = new FinalityCache(1 << 20, n -> true, telemetry);
        JsonNode params = Json.tree("[\"0x50\",false]").orElseThrow();
        String block = "{\"number\":\"0x50\"}";
        assertThat(fresh.watching()).as("the feed is asked to follow from the start").isTrue();
        fresh.answer("eth_getBlockByNumber", JsonRpcRelay.paramsJson(params), p -> RawJson.of(block));
        assertThat(fresh.size()).as("a reorg before the feed's first step would go unseen").isZero();

        // fetched before the feed's first step, stored after it: not kept either
        fresh.answer("eth_getBlockByNumber", JsonRpcRelay.paramsJson(params), p -> {
            fresh.following(true);
            return RawJson.of(block);
        });
        assertThat(fresh.size()).isZero();

        fresh.answer("eth_getBlockByNumber", JsonRpcRelay.paramsJson(params), p -> RawJson.of(block));
        assertThat(fresh.size()).isEqualTo(1);
        assertThat(fresh.watching()).isTrue();

        // emptied, the cache lets the feed rest; once it stopped, nothing is kept until it follows again
        fresh.lostTrack();
        assertThat(fresh.watching()).isFalse();
        fresh.following(false);
        fresh.answer("eth_getBlockByNumber", JsonRpcRelay.paramsJson(params), p -> RawJson.of(block));
        assertThat(fresh.size()).isZero();
        assertThat(fresh.watching()).as("woken again").isTrue();
    }

    @Test
    void memoryStaysWithinTheBudgetWhateverTheKeys() {
        FinalityCache small = new FinalityCache(64 * 1024, n -> true, telemetry);
        small.following(true);
        String answer = "{\"number\":\"0x1\",\"extraData\":\"0x" + "0".repeat(1000) + "\"}";
        for (int i = 0; i < 10_000; i++) {
            JsonNode params = Json.tree("[\"0x" + Integer.toHexString(i + 1) + "\",true]").orElseThrow();
            small.answer("eth_getBlockByNumber", JsonRpcRelay.paramsJson(params), p -> RawJson.of(answer));
            assertThat(small.bytes()).isLessThanOrEqualTo(64 * 1024);
        }
        assertThat(small.size()).isBetween(40, 64);
        // a key longer than the cap is answered but not kept
        JsonNode huge = Json.tree("[\"0x1\",true,\"" + "z".repeat(FinalityCache.MAX_KEY_CHARS) + "\"]").orElseThrow();
        small.lostTrack();
        small.answer("eth_getBlockByNumber", JsonRpcRelay.paramsJson(huge), p -> RawJson.of(answer));
        assertThat(small.size()).isZero();
    }

    /** A result kept as a slice of the node's whole answer holds that answer's array: the budget is charged for it. */
    @Test
    void anAnswerIsChargedTheArrayItIsKeptIn() {
        String block = "{\"number\":\"0x1\",\"extraData\":\"0x" + "0".repeat(1000) + "\"}";
        byte[] nodeAnswer = ("{\"jsonrpc\":\"2.0\",\"id\":7,\"padding\":\"" + "p".repeat(900) + "\",\"result\":" + block + "}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        RawJson result = new RawJson(nodeAnswer, nodeAnswer.length - 1 - block.length(), block.length()).compact();
        assertThat(result.bytes()).as("kept inside the node's answer").isSameAs(nodeAnswer);
        String params = "[\"0x1\",false]";
        cache.answer("eth_getBlockByNumber", JsonRpcRelay.paramsJson(Json.tree(params).orElseThrow()), p -> result);
        assertThat(cache.size()).isOne();
        assertThat(cache.bytes()).isEqualTo("eth_getBlockByNumber".length() + params.length() + nodeAnswer.length
                + FinalityCache.ENTRY_OVERHEAD);
    }

    @Test
    void otherMethodsAndATurnedOffCacheAlwaysAskTheNode() {
        ask("eth_getBalance", "[\"0x" + "a".repeat(40) + "\",\"0x1\"]", "\"0x0\"");
        ask("eth_getBalance", "[\"0x" + "a".repeat(40) + "\",\"0x1\"]", "\"0x0\"");
        FinalityCache off = new FinalityCache(0, n -> true, telemetry);
        off.answer("eth_getBlockByNumber", "[\"0x1\",false]", p -> RawJson.of("{}"));
        off.answer("eth_getBlockByNumber", "[\"0x1\",false]", p -> RawJson.of("{}"));
        assertThat(off.size()).isZero();
        assertThat(nodeCalls).hasSize(2);
        assertThat(telemetry.cacheLookups).isEmpty();
    }
}
