package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Resources;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reorganisation on a real node: anvil mines a block with a contract's log, then goes back to a
 * snapshot and mines other blocks in its place. The logs subscriber is told the log was removed
 * (as Ethereum nodes tell it, {@code "removed": true}) and the new heads are announced. web3j's
 * event classes drop {@code removed}, so this speaks JSON-RPC through web3j's WebSocket transport
 * (Java-WebSocket) directly.
 */
class WebSocketReorgTest {
    private static final String EVENT = "0x" + "ab".repeat(32);
    private static final String EMITTER_CODE = "0x6020600060003733" + "7f" + EVENT.substring(2) + "60206000a200";
    private static final String EMITTER = "0x00000000000000000000000000000000000e0e01";

    @TempDir
    Path dir;

    /** Every message the server sent, parsed, in order. */
    static final class Messages extends WebSocketClient {
        final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();

        Messages(int port) {
            super(URI.create("ws://127.0.0.1:" + port + "/api/rpc"));
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
        }

        @Override
        public void onMessage(String message) {
            received.add(ApiClient.parse(message));
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
        }

        @Override
        public void onError(Exception ex) {
        }

        JsonNode next() throws InterruptedException {
            JsonNode next = received.poll(20, TimeUnit.SECONDS);
            assertThat(next).as("a message within 20 s").isNotNull();
            return next;
        }

        /** The next notification of this subscription, skipping others. */
        JsonNode nextOf(String subscription) throws InterruptedException {
            while (true) {
                JsonNode m = next();
                if (m.at("/params/subscription").asText().equals(subscription)) {
                    return m.at("/params/result");
                }
            }
        }
    }

    @Test
    void aLogWhoseBlockLeftTheChainIsSentAgainAsRemoved() throws Exception {
        AnvilProcess anvil = AnvilProcess.withoutMining();
        LiveServer server = null;
        Messages ws = null;
        try {
            Chain chain = new Chain(anvil);
            chain.setCode(EMITTER, EMITTER_CODE);
            chain.mine();
            server = LiveServer.start(LiveServer.settingsFor(anvil), dir);
            ws = new Messages(server.port());
            assertThat(ws.connectBlocking(10, TimeUnit.SECONDS)).isTrue();
            ws.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_subscribe\",\"params\":[\"logs\",{\"address\":\"" + EMITTER + "\"}]}");
            String logs = ws.next().get("result").asText();
            ws.send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_subscribe\",\"params\":[\"newHeads\"]}");
            String heads = ws.next().get("result").asText();

            String snapshot = chain.call("evm_snapshot").asText();
            String txHash = chain.call("eth_sendTransaction", Map.of("from", AnvilProcess.ACCOUNT_0_ADDRESS, "to", EMITTER,
                    "data", "0x" + "00".repeat(31) + "07", "gas", "0x30000")).asText();
            chain.mine();
            JsonNode minedHead = ws.nextOf(heads);
            JsonNode log = ws.nextOf(logs);
            assertThat(log.get("transactionHash").asText()).isEqualTo(txHash);
            assertThat(log.get("removed").asBoolean()).isFalse();
            assertThat(log.get("blockHash").asText()).isEqualTo(minedHead.get("hash").asText());

            assertThat(chain.call("evm_revert", snapshot).asBoolean()).isTrue();
            chain.mine();
            chain.mine();

            JsonNode removed = ws.nextOf(logs);
            assertThat(removed.get("removed").asBoolean()).isTrue();
            assertThat(removed.get("transactionHash").asText()).isEqualTo(txHash);
            assertThat(removed.get("blockHash").asText()).isEqualTo(log.get("blockHash").asText());
            JsonNode replacement = ws.nextOf(heads);
            assertThat(replacement.get("number").asText()).isEqualTo(minedHead.get("number").asText());
            assertThat(replacement.get("hash").asText()).isNotEqualTo(minedHead.get("hash").asText())
                    .isEqualTo(chain.call("eth_getBlockByNumber", minedHead.get("number").asText(), false).get("hash").asText());
            JsonNode following = ws.nextOf(heads);
            assertThat(following.get("parentHash").asText()).isEqualTo(replacement.get("hash").asText());
        } finally {
            if (ws != null) {
                ws.closeBlocking();
            }
            Resources.closeAll(server, anvil);
        }
    }
}
