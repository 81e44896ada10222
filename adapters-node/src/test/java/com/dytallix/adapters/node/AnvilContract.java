package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ChainNode contract against a real anvil that mines only when asked: one start-up for the
 * contract runs that differ only in what stands between the test and the node.
 */
abstract class AnvilContract<N extends ChainNode & AutoCloseable> extends ChainNodeContract {
    private final Secp256k1Key rich = Secp256k1Key.fromHex(AnvilProcess.ACCOUNT_0_KEY);
    private AnvilProcess anvil;
    private N node;

    /** The node under test, in front of the anvil at {@code url}. */
    protected abstract N connect(URI url);

    @BeforeAll
    void start() {
        anvil = AnvilProcess.withoutMining();
        node = connect(anvil.rpcUrl());
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            if (anvil != null) {
                anvil.close();
            }
        }
    }

    /**
     * A real revert relayed: code 3 and the revert data exactly as the EVM produced them, so a client
     * decodes the reason. The call runs creation code that reverts with Error("no") (ABI-encoded, 100
     * bytes), built in memory by MSTOREs.
     */
    @Test
    void aRevertKeepsCodeThreeAndItsData() {
        String reason = "08c379a0" + "0000000000000000000000000000000000000000000000000000000000000020"
                + "0000000000000000000000000000000000000000000000000000000000000002" + "6e6f" + "0".repeat(60);
        StringBuilder code = new StringBuilder();
        for (int at = 0; at < reason.length() / 2; at += 32) { // PUSH32 word, PUSH1 offset, MSTORE
            String word = (reason.substring(at * 2, Math.min(reason.length(), at * 2 + 64)) + "0".repeat(64)).substring(0, 64);
            code.append("7f").append(word).append("60").append(String.format("%02x", at)).append("52");
        }
        code.append("6064").append("6000").append("fd"); // REVERT(0, 100)
        assertThatThrownBy(() -> node.call("eth_call", "[{\"data\":\"0x" + code + "\"},\"latest\"]"))
                .isInstanceOfSatisfying(NodeException.class, e -> {
                    assertThat(e.failure()).isEqualTo(NodeFailure.RPC_ERROR);
                    assertThat(e.rpcCode()).contains(3);
                    assertThat(e.getMessage()).startsWith("execution reverted");
                    assertThat(e.rpcDataJson()).contains("\"0x" + reason + "\"");
                });
    }

    @Override
    protected ChainNode node() {
        return node;
    }

    @Override
    protected void mine() {
        anvil.mine();
    }

    @Override
    protected Secp256k1Key richKey() {
        return rich;
    }

    @Override
    protected long expectedChainId() {
        return AnvilProcess.CHAIN_ID;
    }
}
