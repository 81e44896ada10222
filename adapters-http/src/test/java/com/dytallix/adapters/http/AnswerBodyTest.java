package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.sync.RawJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A relayed answer is the envelope's two ends around the node's bytes: the same text as ever, without a copy of the result. */
class AnswerBodyTest {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Test
    void aLargeResultIsWrittenFromItsOwnBytesWithoutACopy() {
        RawJson block = RawJson.of("{\"transactions\":[\"0x" + "ab".repeat(1_000_000) + "\"]}");
        JsonRpcRelay.Result result = new JsonRpcRelay.Result(NODES.numberNode(7), block);
        JsonRpcRelay.body(result); // the classes of a first answer
        long before = THREADS.getCurrentThreadAllocatedBytes();
        AnswerBody body = JsonRpcRelay.body(result);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;

        // the envelope's ends and the list of parts; the 2 MB of the result are not copied (they were twice: the answer
        // as one String, then its bytes)
        assertThat(allocated).as("bytes allocated for an answer of %d bytes", body.length()).isLessThan(4096);
        assertThat(body.parts()).anySatisfy(part -> assertThat(part.bytes()).isSameAs(block.bytes()));
        assertThat(body.text()).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":" + block.text() + "}");
    }

    /** Ids of every kind, written as the JSON writer writes them; a batch is its items in order, between brackets. */
    @Test
    void theEnvelopeIsWhatTheJsonWriterWouldWrite() {
        RawJson result = new RawJson("xx\"0x1\"yy".getBytes(java.nio.charset.StandardCharsets.UTF_8), 2, 5); // a slice
        List<JsonNode> ids = List.of(NODES.numberNode(7), NODES.textNode("a b"), NODES.textNode("quote\" and é\n"), NODES.nullNode(),
                NODES.numberNode(new java.math.BigInteger("123456789012345678901234567890")), NODES.numberNode(-1L));
        for (JsonNode id : ids) {
            String written = JsonRpcRelay.body(new JsonRpcRelay.Result(id, result)).text();
            assertThat(written).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":" + Json.text(id) + ",\"result\":\"0x1\"}");
        }
        JsonRpcRelay.Failure failure = JsonRpcRelay.error(NODES.numberNode(2), JsonRpcRelay.METHOD_NOT_FOUND, "no", null);
        assertThat(JsonRpcRelay.body(List.of(new JsonRpcRelay.Result(NODES.numberNode(1), result), failure)).text())
                .isEqualTo("[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}," + Json.text(failure) + "]");
        assertThat(JsonRpcRelay.body(List.of(failure)).text()).isEqualTo("[" + Json.text(failure) + "]");
    }
}
