package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.adapters.node.TcpProxy;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.LiveServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filters the relay makes on a real anvil, bounded per client (RPC_MAX_FILTERS_PER_CLIENT 4 here)
 * and in all (RPC_MAX_FILTERS 10): anvil itself is asked which of a client's filters it still holds.
 * Clients are told apart by X-Forwarded-For from a trusted proxy (the test, on 127.0.0.1).
 */
class RelayFiltersOnAnvilTest {
    @TempDir
    Path dir;

    private static Map<String, String> settings(AnvilProcess anvil, String rpcUrl) {
        Map<String, String> overrides = new HashMap<>(Map.of("RPC_URL", rpcUrl, "TRUSTED_PROXIES", "127.0.0.1",
                "RPC_MAX_FILTERS_PER_CLIENT", "4", "RPC_MAX_FILTERS", "10", "RPC_RATE_LIMIT_PER_MINUTE", "1000000"));
        return LiveServer.unlimitedSettingsFor(anvil, overrides);
    }

    private static JsonNode relay(LiveServer server, String client, String method, String params) {
        ApiClient.Response r = server.http.post("/api/rpc", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":"
                + params + "}", "X-Forwarded-For", client);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static String newFilter(LiveServer server, String client, int n) {
        // log filters and block filters alike
        JsonNode answer = n % 2 == 0 ? relay(server, client, "eth_newBlockFilter", "[]")
                : relay(server, client, "eth_newFilter", "[{\"address\":\"" + AnvilProcess.ACCOUNT_0_ADDRESS + "\"}]");
        assertThat(answer.has("result")).as(answer.toString()).isTrue();
        return answer.get("result").asText();
    }

    /** Whether anvil itself still holds the filter of this id (as anvil knows it). */
    private static boolean onAnvil(AnvilProcess anvil, String id) {
        JsonNode answer = ApiClient.parse(anvil.rpc("eth_getFilterChanges", "[\"" + id + "\"]"));
        if (answer.has("error")) {
            assertThat(answer.get("error").get("message").asText()).isEqualTo("filter not found");
            return false;
        }
        return true;
    }

    private static double metric(LiveServer server, String name) {
        return server.http.get("/metrics").body().lines().filter(l -> l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1).trim())).findFirst().orElse(Double.NaN);
    }

    @Test
    void aClientPastItsBoundLeavesItsBoundOnAnvilAndTheBoundInAllIsRefusedPolitely() {
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1);
             LiveServer server = LiveServer.start(settings(anvil, anvil.rpcUrl().toString()), dir)) {
            String honest = newFilter(server, "198.51.100.2", 0);
            List<String> flood = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                flood.add(newFilter(server, "198.51.100.1", i));
            }
            for (int i = 0; i < 10; i++) {
                assertThat(onAnvil(anvil, flood.get(i))).as("filter %d of 10", i + 1).isEqualTo(i >= 6);
            }
            assertThat(onAnvil(anvil, honest)).isTrue();
            assertThat(relay(server, "198.51.100.2", "eth_getFilterChanges", "[\"" + honest + "\"]").get("result").isArray()).isTrue();
            assertThat(metric(server, "dytallix_rpc_filters")).isEqualTo(5);
            assertThat(metric(server, "dytallix_rpc_filters_evicted_total")).isEqualTo(6);

            // 5 held: two more clients take the other 5 places, and a new one past them is refused
            for (int i = 0; i < 4; i++) {
                newFilter(server, "198.51.100.3", i);
            }
            String last = newFilter(server, "198.51.100.4", 0);
            JsonNode refused = relay(server, "198.51.100.5", "eth_newBlockFilter", "[]");
            assertThat(refused.get("error").get("code").asInt()).isEqualTo(-32005);
            assertThat(refused.get("error").get("data").get("scope").asText()).isEqualTo("filters");
            assertThat(metric(server, "dytallix_rpc_filters")).isEqualTo(10);
            // a client at its own bound still swaps its oldest for a new one
            newFilter(server, "198.51.100.1", 0);
            assertThat(onAnvil(anvil, flood.get(6))).isFalse();

            // uninstalled by its client: gone from anvil, and its place is free
            assertThat(relay(server, "198.51.100.4", "eth_uninstallFilter", "[\"" + last + "\"]").get("result").asBoolean()).isTrue();
            assertThat(onAnvil(anvil, last)).isFalse();
            assertThat(onAnvil(anvil, newFilter(server, "198.51.100.5", 0))).isTrue();
        }
    }

    @Test
    void withTwoNodesEachFilterIsUninstalledOnItsOwnNode() {
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1);
             TcpProxy first = new TcpProxy(anvil.rpcUrl());
             TcpProxy second = new TcpProxy(anvil.rpcUrl());
             LiveServer server = LiveServer.start(settings(anvil, first.url() + "," + second.url()), dir)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ids.add(newFilter(server, "198.51.100.1", i));
            }
            for (int i = 0; i < 12; i++) {
                String id = ids.get(i);
                // the relay's id is its node's position (two hex digits) and anvil's id
                assertThat(id).matches("0x0[01][0-9a-f]+");
                assertThat(onAnvil(anvil, "0x" + id.substring(4))).as("filter %d of 12", i + 1).isEqualTo(i >= 8);
                if (i >= 8) {
                    assertThat(relay(server, "198.51.100.1", "eth_getFilterChanges", "[\"" + id + "\"]").get("result").isArray()).isTrue();
                }
            }
        }
    }
}
