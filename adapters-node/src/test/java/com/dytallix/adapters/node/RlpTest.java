package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RlpTest {
    private static String hex(Rlp.Item item) {
        return HexFormat.of().formatHex(Rlp.encode(item));
    }

    // Examples from the Ethereum RLP specification.
    @Test
    void specExamples() {
        assertThat(hex(Rlp.bytes("dog".getBytes(StandardCharsets.US_ASCII)))).isEqualTo("83646f67");
        assertThat(hex(Rlp.list(Rlp.bytes("cat".getBytes(StandardCharsets.US_ASCII)), Rlp.bytes("dog".getBytes(StandardCharsets.US_ASCII)))))
                .isEqualTo("c88363617483646f67");
        assertThat(hex(Rlp.bytes(new byte[0]))).isEqualTo("80");
        assertThat(hex(Rlp.list())).isEqualTo("c0");
        assertThat(hex(Rlp.integer(0))).isEqualTo("80");
        assertThat(hex(Rlp.integer(15))).isEqualTo("0f");
        assertThat(hex(Rlp.integer(1024))).isEqualTo("820400");
        assertThat(hex(Rlp.list(Rlp.list(), Rlp.list(Rlp.list()), Rlp.list(Rlp.list(), Rlp.list(Rlp.list())))))
                .isEqualTo("c7c0c1c0c3c0c1c0");
        byte[] lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit".getBytes(StandardCharsets.US_ASCII);
        assertThat(hex(Rlp.bytes(lorem))).startsWith("b838");
        assertThat(Rlp.decode(Rlp.encode(Rlp.bytes(lorem)))).isInstanceOfSatisfying(Rlp.Bytes.class,
                b -> assertThat(b.value()).isEqualTo(lorem));
    }

    @Test
    void nonCanonicalInputIsRefused() {
        assertThatThrownBy(() -> Rlp.decode(HexFormat.of().parseHex("8105"))).isInstanceOf(Rlp.RlpException.class);
        assertThatThrownBy(() -> Rlp.decode(HexFormat.of().parseHex("b80100"))).isInstanceOf(Rlp.RlpException.class);
        assertThatThrownBy(() -> Rlp.decode(HexFormat.of().parseHex("83646f"))).isInstanceOf(Rlp.RlpException.class);
        assertThatThrownBy(() -> Rlp.decode(HexFormat.of().parseHex("83646f6700"))).isInstanceOf(Rlp.RlpException.class);
    }
}
