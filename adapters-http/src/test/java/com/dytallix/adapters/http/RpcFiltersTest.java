package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.application.FakeChain;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The relay's filters on the node, bounded per client and in all (RPC_MAX_FILTERS_PER_CLIENT, RPC_MAX_FILTERS). */
class RpcFiltersTest {
    @RegisterExtension
    static final TestApi api = TestApi.start(o -> {
        o.trustedProxies = List.of(IpRange.parse("127.0.0.1"), IpRange.parse("::1"));
        o.rpcMaxFiltersPerClient = 3;
        o.rpcMaxFilters = 8;
        o.rpcMethods = List.of("eth_blockNumber", "eth_newFilter", "eth_newBlockFilter", "eth_getFilterChanges",
                "eth_getFilterLogs", "eth_uninstallFilter");
    });

    /** The filters the fake node holds, as geth and anvil keep them: random ids, "filter not found" for any other. */
    private final Set<String> onNode = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void node() {
        api.chain.calls.clear();
        api.chain.relay = (method, params) -> switch (method) {
            case "eth_newFilter", "eth_newBlockFilter" -> {
                byte[] random = new byte[16];
                ThreadLocalRandom.current().nextBytes(random);
                String id = "0x" + HexFormat.of().formatHex(random);
                onNode.add(id);
                yield "\"" + id + "\"";
            }
            case "eth_getFilterChanges", "eth_getFilterLogs" -> {
                if (!onNode.contains(idIn(params))) {
                    throw new NodeException(NodeFailure.RPC_ERROR, "filter not found", -32000, null, null);
                }
                yield "[]";
            }
            case "eth_uninstallFilter" -> onNode.remove(idIn(params)) ? "true" : "false";
            default -> "\"0x10\"";
        };
        // what earlier tests left: every filter forgotten
        api.clock.advance(Duration.ofMinutes(10));
    }

    private static String idIn(String params) {
        try {
            return Json.MAPPER.readTree(params).get(0).asText();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode call(String client, String method, String params) {
        var reply = api.postJson("/api/rpc", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}",
                "X-Forwarded-For", client);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private static String newFilter(String client) {
        JsonNode answer = call(client, "eth_newBlockFilter", "[]");
        assertThat(answer.has("result")).as(answer.toString()).isTrue();
        return answer.get("result").asText();
    }

    @Test
    void aClientPastItsBoundLeavesOnlyItsBoundOnTheNodeItsOldestUninstalled() {
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            mine.add(newFilter("198.51.100.7"));
        }
        String other = newFilter("203.0.113.9");

        assertThat(onNode).containsExactlyInAnyOrderElementsOf(List.of(mine.get(7), mine.get(8), mine.get(9), other));
        // the oldest answer as the node words it, and the client's newest and the other client's still work
        assertThat(call("198.51.100.7", "eth_getFilterChanges", "[\"" + mine.getFirst() + "\"]").get("error").get("message").asText())
                .isEqualTo("filter not found");
        assertThat(call("198.51.100.7", "eth_getFilterChanges", "[\"" + mine.getLast() + "\"]").get("result").isArray()).isTrue();
        assertThat(call("203.0.113.9", "eth_getFilterChanges", "[\"" + other + "\"]").get("result").isArray()).isTrue();
        assertThat(api.telemetry.filtersEvicted.get()).isGreaterThanOrEqualTo(7);
    }

    /**
     * The node names a filter by its exact id (anvil and geth: the same id in another case is "filter not found").
     * Polling or uninstalling a filter by its id in upper case made the relay forget the filter the node still held:
     * on the running jar one client left 300 filters on anvil past its bound of 64, none evicted (round 22).
     */
    @Test
    void anIdInAnotherCaseNeverMakesTheRelayForgetAFilterTheNodeHolds() {
        for (int i = 0; i < 10; i++) {
            String id = newFilter("198.51.100.20");
            String shouted = "0x" + id.substring(2).toUpperCase(java.util.Locale.ROOT);
            JsonNode answer = call("198.51.100.20", i % 2 == 0 ? "eth_getFilterChanges" : "eth_uninstallFilter", "[\"" + shouted + "\"]");
            assertThat(answer.toString()).as("the node's own answer to an id it does not hold").containsAnyOf("filter not found", "false");
        }

        assertThat(onNode).as("the client's bound").hasSize(3);
    }

    @Test
    void aPolledFilterOutlivesTheOnesItsClientStoppedPolling() {
        String kept = newFilter("198.51.100.8");
        String abandoned = newFilter("198.51.100.8");
        newFilter("198.51.100.8");
        call("198.51.100.8", "eth_getFilterChanges", "[\"" + kept + "\"]");
        newFilter("198.51.100.8");

        assertThat(onNode).contains(kept).doesNotContain(abandoned);
    }

    @Test
    void pastTheBoundInAllANewFilterIsRefusedPolitelyAndNothingIsMadeOnTheNode() {
        List<String> made = new ArrayList<>();
        for (int c = 1; c <= 4; c++) {
            made.add(newFilter("10.0.0." + c));
            made.add(newFilter("10.0.0." + c));
        }
        int callsBefore = api.chain.calls.size();

        JsonNode refused = call("10.0.0.9", "eth_newFilter", "[{}]");
        assertThat(refused.get("error").get("code").asInt()).isEqualTo(-32005);
        assertThat(refused.get("error").get("message").asText()).contains("RPC_MAX_FILTERS");
        assertThat(refused.get("error").get("data").get("scope").asText()).isEqualTo("filters");
        assertThat(api.chain.calls).hasSize(callsBefore);
        assertThat(onNode).hasSize(8);
        assertThat(api.telemetry.rateLimitHits.get(LimitScope.FILTERS)).isPositive();

        var simple = api.postJson("/api/rpc", "{\"method\":\"eth_newBlockFilter\",\"params\":[]}", "X-Forwarded-For", "10.0.0.9");
        assertThat(simple.status()).isEqualTo(429);
        assertThat(simple.json().get("code").asText()).isEqualTo("RATE_LIMIT");
        assertThat(simple.json().get("details").get("scope").asText()).isEqualTo("filters");
        assertThat(simple.header("Retry-After")).isPresent();

        // a client uninstalling one makes room
        assertThat(call("10.0.0.1", "eth_uninstallFilter", "[\"" + made.getFirst() + "\"]").get("result").asBoolean()).isTrue();
        newFilter("10.0.0.9");
    }

    @Test
    void idsAreNotBoundToTheirClientAndAnIdTheRelayDidNotMakeGoesToTheNode() {
        String id = newFilter("198.51.100.20");
        // a client whose address changed (or another instance's client) polls with the id it holds
        assertThat(call("198.51.100.21", "eth_getFilterChanges", "[\"" + id + "\"]").get("result").isArray()).isTrue();
        assertThat(call("198.51.100.21", "eth_getFilterChanges", "[\"0x1234\"]").get("error").get("message").asText())
                .isEqualTo("filter not found");
        assertThat(api.chain.calls).contains(new FakeChain.Call("eth_getFilterChanges", "[\"0x1234\"]"));
    }

    @Test
    void overTheWebSocketAClientsFiltersCountAgainstItsAddressAsOverHttp() {
        // the WebSocket's client is resolved once, at the upgrade, from the same trusted proxy and X-Forwarded-For
        try (WsTestClient ws = new WsTestClient(api.port(), "X-Forwarded-For", "198.51.100.30")) {
            String overHttp = newFilter("198.51.100.30");
            List<String> overWs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                JsonNode answer = ws.call("{\"jsonrpc\":\"2.0\",\"id\":" + i + ",\"method\":\"eth_newBlockFilter\",\"params\":[]}");
                overWs.add(answer.get("result").asText());
            }
            assertThat(onNode).doesNotContain(overHttp).containsAll(overWs);
        }
    }
}
