package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.sync.ChainLog;
import com.dytallix.domain.sync.NodeException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class NodeBlockReaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Emits LOG2(topic0 = EVENT, topic1 = caller) with the first 32 bytes of the call data as data. */
    static final String EVENT = "0x" + "ab".repeat(32);
    static final String EMITTER_CODE = "0x6020600060003733" + "7f" + EVENT.substring(2) + "60206000a200";
    private static final String EMITTER = "0x00000000000000000000000000000000000e0e01";

    @Test
    void followsTheDevChainsHeadersLinkedByParentHash() throws Exception {
        try (DevChain chain = DevChain.stopped(Duration.ofMillis(50))) {
            chain.mineNow();
            chain.mineNow();
            var reader = new NodeBlockReader(chain);
            BlockHeader latest = reader.latestHeader();
            assertThat(latest.number()).isEqualTo(2);
            BlockHeader parent = reader.header(1).orElseThrow();
            assertThat(latest.parentHash()).isEqualTo(parent.hash());
            assertThat(reader.header(3)).isEmpty();

            JsonNode header = JSON.readTree(latest.json());
            assertThat(header.get("hash").asText()).isEqualTo(latest.hash());
            assertThat(header.has("parentHash")).isTrue();
            assertThat(header.has("transactions")).as("a header, not a block").isFalse();

            assertThat(reader.logs(latest.hash())).isEmpty();
            assertThatThrownBy(() -> reader.logs("0x" + "00".repeat(32))).isInstanceOf(NodeException.class)
                    .hasMessageContaining("unknown block");
        }
    }

    @Test
    void readsTheLogsAContractOnAnvilEmitted() {
        try (AnvilProcess anvil = AnvilProcess.withoutMining();
             JsonRpcChainNode node = new JsonRpcChainNode(anvil.rpcUrl(), Duration.ofSeconds(5), 4)) {
            anvil.rpc("anvil_setCode", "[\"" + EMITTER + "\",\"" + EMITTER_CODE + "\"]");
            String data = "0x" + "00".repeat(31) + "2a";
            anvil.rpc("eth_sendTransaction", "[{\"from\":\"" + AnvilProcess.ACCOUNT_0_ADDRESS + "\",\"to\":\"" + EMITTER
                    + "\",\"data\":\"" + data + "\",\"gas\":\"0x30000\"}]");
            anvil.mine();

            var reader = new NodeBlockReader(node);
            BlockHeader block = reader.latestHeader();
            List<ChainLog> logs = reader.logs(block.hash());
            assertThat(logs).hasSize(1);
            ChainLog log = logs.getFirst();
            assertThat(log.address()).isEqualTo(EMITTER);
            assertThat(log.topics()).containsExactly(EVENT,
                    "0x000000000000000000000000" + AnvilProcess.ACCOUNT_0_ADDRESS.substring(2).toLowerCase(Locale.ROOT));
            assertThat(log.data()).isEqualTo(data);
            assertThat(log.blockNumber()).isEqualTo(block.number());
            assertThat(log.blockHash()).isEqualTo(block.hash());
            assertThat(log.removed()).isFalse();
        }
    }
}
