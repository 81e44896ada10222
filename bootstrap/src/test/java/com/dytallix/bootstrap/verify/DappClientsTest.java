package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.DappClients;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.bootstrap.testing.Resources;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ethers v6 and viem, as dapps use them, with the relay as their RPC URL on a real anvil (a block a
 * second): reads, a contract call whose revert reason the library decodes, contract events through
 * the filter methods (ethers' {@code contract.on} and {@code off()}, viem's
 * {@code watchContractEvent}), made after 70 filters left behind by a reloaded page (the relay
 * uninstalls a client's oldest past RPC_MAX_FILTERS_PER_CLIENT), and new heads over the WebSocket ({@code eth_subscribe}). The
 * script is {@code src/test/resources/dapp-clients/clients.mjs}; the libraries come from npm.
 */
class DappClientsTest {
    private static final List<String> CHECKS = List.of("ethers reads", "ethers revert reason", "abandoned filters uninstalled",
            "ethers contract.on and off",
            "ethers WebSocketProvider block", "viem reads", "viem revert reason", "viem watchContractEvent and receipt",
            "viem webSocket newHeads", "done");

    @TempDir
    Path dir;

    @Test
    void ethersAndViemWorkThroughTheRelayAsDappsUseThem() throws Exception {
        AnvilProcess anvil = AnvilProcess.withBlockTime(1);
        LiveServer server = null;
        try {
            server = LiveServer.start(LiveServer.settingsFor(anvil), dir);
            // the script reads block 1: a fresh anvil mines its first block a second after it starts
            Chain chain = new Chain(anvil);
            Poll.eventually(Duration.ofSeconds(20), chain::height, h -> h >= 2);
            String http = "http://127.0.0.1:" + server.port() + "/api/rpc";
            String ws = "ws://127.0.0.1:" + server.port() + "/api/rpc";
            DappClients.Run run = DappClients.run("clients.mjs", Duration.ofMinutes(3), http, ws, anvil.rpcUrl().toString());

            Map<String, JsonNode> results = new LinkedHashMap<>();
            run.lines().forEach(l -> {
                JsonNode r = ApiClient.parse(l);
                results.put(r.get("check").asText(), r);
            });
            assertThat(results.keySet()).as(run.output()).containsExactlyElementsOf(CHECKS);
            results.forEach((check, r) -> assertThat(r.get("ok").asBoolean()).as(check + ": " + r.get("detail").asText()).isTrue());
            assertThat(run.exitCode()).as(run.output()).isZero();
        } finally {
            Resources.closeAll(server, anvil);
        }
    }
}
