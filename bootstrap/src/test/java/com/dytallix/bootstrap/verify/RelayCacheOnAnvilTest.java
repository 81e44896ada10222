package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.Resources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay's finality cache on a real node: answers about final blocks (FAUCET_CONFIRMATIONS=2)
 * are asked of anvil once and then served from memory, byte for byte as anvil wrote them; what is
 * tied to the head or not mined yet always reaches the node; and a reorg (anvil_reorg) replaces
 * what the cache held about the blocks it took away.
 */
class RelayCacheOnAnvilTest {
    private static final String EVENT = "0x" + "ab".repeat(32);
    /** Emits one log with topic EVENT and the calldata's first word as data. */
    private static final String EMITTER_CODE = "0x6020600060003733" + "7f" + EVENT.substring(2) + "60206000a200";
    private static final String EMITTER = "0x00000000000000000000000000000000000e0e01";
    private static final Pattern CACHE_COUNTER = Pattern.compile("(?m)^dytallix_rpc_cache_requests_total\\{[^}]*result=\"(hit|miss)\"[^}]*} (\\S+)$");

    @TempDir
    Path dir;

    @Test
    void finalAnswersAreServedFromTheCacheExactlyAsTheNodeWroteThem() throws Exception {
        AnvilProcess anvil = AnvilProcess.withoutMining();
        LiveServer server = null;
        try {
            Chain chain = new Chain(anvil);
            chain.setCode(EMITTER, EMITTER_CODE);
            String tx = chain.call("eth_sendTransaction", Map.of("from", AnvilProcess.ACCOUNT_0_ADDRESS, "to", EMITTER,
                    "data", "0x" + "00".repeat(31) + "07", "gas", "0x30000")).asText();
            chain.mine();
            chain.call("anvil_mine", "0x4");
            String blockHash = chain.receipt(tx).get("blockHash").asText();
            server = startWithConfirmations(anvil, 2);
            awaitHeight(server, 5);
            awaitCacheFollowing(server);
            long misses = cacheCounter(server, "miss");
            long hits = cacheCounter(server, "hit");

            List<String[]> calls = List.of(
                    new String[]{"eth_getBlockByNumber", "[\"0x1\",true]"},
                    new String[]{"eth_getBlockByHash", "[\"" + blockHash + "\",false]"},
                    new String[]{"eth_getTransactionByHash", "[\"" + tx + "\"]"},
                    new String[]{"eth_getTransactionReceipt", "[\"" + tx + "\"]"},
                    new String[]{"eth_getBlockReceipts", "[\"0x1\"]"},
                    new String[]{"eth_getLogs", "[{\"fromBlock\":\"0x0\",\"toBlock\":\"0x3\",\"address\":\"" + EMITTER + "\"}]"},
                    new String[]{"eth_getLogs", "[{\"blockHash\":\"" + blockHash + "\"}]"});
            for (String[] call : calls) {
                String fromNode = result(anvil.rpc(call[0], call[1]));
                assertThat(fromNode).as(call[0]).isNotEqualTo("null").isNotEqualTo("[]");
                assertThat(result(relay(server, call[0], call[1]))).as(call[0] + " first").isEqualTo(fromNode);
                assertThat(result(relay(server, call[0], call[1]))).as(call[0] + " from the cache").isEqualTo(fromNode);
            }
            assertThat(cacheCounter(server, "miss") - misses).isEqualTo(calls.size());
            assertThat(cacheCounter(server, "hit") - hits).isEqualTo(calls.size());
            // the simple form is served by the same cache
            ApiClient.Response simple = server.http.post("/api/rpc", "{\"method\":\"eth_getBlockByNumber\",\"params\":[\"0x1\",true]}");
            assertThat(simple.body()).isEqualTo("{\"result\":" + result(anvil.rpc("eth_getBlockByNumber", "[\"0x1\",true]")) + "}");
            assertThat(cacheCounter(server, "hit") - hits).isEqualTo(calls.size() + 1);

            // tied to the head: never outlives its block
            String latest = result(relay(server, "eth_getBlockByNumber", "[\"latest\",false]"));
            chain.mine();
            assertThat(result(relay(server, "eth_getBlockByNumber", "[\"latest\",false]")))
                    .isNotEqualTo(latest).isEqualTo(result(anvil.rpc("eth_getBlockByNumber", "[\"latest\",false]")));

            // a pending transaction's receipt is null, and the null is not kept
            String pending = chain.call("eth_sendTransaction", Map.of("from", AnvilProcess.ACCOUNT_0_ADDRESS,
                    "to", "0x000000000000000000000000000000000000dEaD", "value", "0x1")).asText();
            String receipt = "[\"" + pending + "\"]";
            assertThat(result(relay(server, "eth_getTransactionReceipt", receipt))).isEqualTo("null");
            chain.call("anvil_mine", "0x3");
            awaitHeight(server, 9);
            assertThat(result(relay(server, "eth_getTransactionReceipt", receipt)))
                    .isEqualTo(result(anvil.rpc("eth_getTransactionReceipt", receipt))).contains(pending);
        } finally {
            Resources.closeAll(server, anvil);
        }
    }

    @Test
    void aReorgReplacesWhatTheCacheHeldAboutTheBlocksItTookAway() throws Exception {
        AnvilProcess anvil = AnvilProcess.withoutMining();
        LiveServer server = null;
        try {
            Chain chain = new Chain(anvil);
            chain.call("anvil_mine", "0xa");
            server = startWithConfirmations(anvil, 2);
            awaitHeight(server, 10);
            awaitCacheFollowing(server);
            long hits = cacheCounter(server, "hit");
            String before = result(relay(server, "eth_getBlockByNumber", "[\"0x8\",false]"));
            assertThat(result(relay(server, "eth_getBlockByNumber", "[\"0x8\",false]"))).isEqualTo(before);
            assertThat(cacheCounter(server, "hit") - hits).isEqualTo(1);

            // blocks 6 to 10 are mined again, with a transaction in the first: other hashes, same height
            chain.call("anvil_reorg", 5, List.of(List.of(Map.of("from", AnvilProcess.ACCOUNT_0_ADDRESS,
                    "to", "0x000000000000000000000000000000000000dEaD", "value", "0x1"), 0)));
            String after = result(anvil.rpc("eth_getBlockByNumber", "[\"0x8\",false]"));
            assertThat(after).isNotEqualTo(before);
            LiveServer s = server;
            String relayed = Poll.eventually(Duration.ofSeconds(20),
                    () -> result(relay(s, "eth_getBlockByNumber", "[\"0x8\",false]")), after::equals);
            assertThat(relayed).isEqualTo(after);
        } finally {
            Resources.closeAll(server, anvil);
        }
    }

    private LiveServer startWithConfirmations(AnvilProcess anvil, int confirmations) {
        Map<String, String> settings = LiveServer.settingsFor(anvil);
        settings.put("FAUCET_CONFIRMATIONS", Integer.toString(confirmations));
        return LiveServer.start(settings, dir);
    }

    /**
     * The cache keeps answers only while the chain feed follows the head (else a reorg could go
     * unseen), and the feed starts when the cache first wants it: block 0 is asked for until an
     * answer comes from the cache, so the calls after this are counted from a following feed.
     */
    private static void awaitCacheFollowing(LiveServer server) throws InterruptedException {
        Poll.eventually(Duration.ofSeconds(20), () -> {
            long hits = cacheCounter(server, "hit");
            relay(server, "eth_getBlockByNumber", "[\"0x0\",false]");
            return cacheCounter(server, "hit") > hits;
        }, hit -> hit);
    }

    /** The status snapshot (which tells the cache how deep a block is) has seen the node's head. */
    private static void awaitHeight(LiveServer server, long height) throws InterruptedException {
        Poll.eventually(Duration.ofSeconds(20), () -> server.http.get("/api/status").json().path("height").asLong(), h -> h >= height);
    }

    private static String relay(LiveServer server, String method, String params) {
        ApiClient.Response r = server.http.post("/api/rpc", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /** The {@code result} member's text exactly as it was written (the last member of both answers). */
    private static String result(String answer) {
        int at = answer.indexOf("\"result\":");
        assertThat(at).as(answer).isPositive();
        assertThat(answer).endsWith("}");
        return answer.substring(at + "\"result\":".length(), answer.length() - 1);
    }

    private static long cacheCounter(LiveServer server, String result) {
        Matcher m = CACHE_COUNTER.matcher(server.http.get("/metrics").body());
        while (m.find()) {
            if (m.group(1).equals(result)) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no dytallix_rpc_cache_requests_total{result=\"" + result + "\"}");
    }
}
