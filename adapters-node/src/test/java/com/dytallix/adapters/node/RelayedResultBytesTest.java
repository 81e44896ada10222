package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A relayed result leaves the node client as the node's own bytes: no decoded copy of it (a cached block of
 * hundreds of kilobytes, relayed at thousands a second, was one more answer-sized allocation each, which the
 * young collections of the relay's tail were made of).
 */
class RelayedResultBytesTest {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A block's worth of transactions: about 2 MB of JSON, all ASCII (as nodes write). */
    private static String block() {
        StringBuilder b = new StringBuilder("{\"number\":\"0x10\",\"transactions\":[");
        for (int i = 0; b.length() < 2_000_000; i++) {
            b.append(i == 0 ? "" : ",").append("{\"hash\":\"0x").append(String.format("%064x", i)).append("\",\"input\":\"0x")
                    .append("ab".repeat(100)).append("\"}");
        }
        return b.append("]}").toString();
    }

    @Test
    void aLargeResultIsReadOnceAndPassedOnAsTheNodesBytes() throws Exception {
        String block = block();
        try (FakeRpcServer node = new FakeRpcServer((request, exchange) -> FakeRpcServer.result(request, exchange, block));
             JsonRpcChainNode client = new JsonRpcChainNode(node.url(), Duration.ofSeconds(10), 4, Duration.ofMillis(500))) {
            String params = "[\"0x10\",true]";
            client.call("eth_getBlockByNumber", params); // the connection, the classes and the buffers of a first call
            long before = THREADS.getCurrentThreadAllocatedBytes(); // this (platform) thread reads the node's answer itself
            Object answer = client.call("eth_getBlockByNumber", params);
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;

            assertThat(answer.toString()).isEqualTo(block);
            // the answer's body is read into one array of its length; the result is a slice of it. A decoded copy
            // (a String of the result, as before) was a second answer-sized array
            assertThat(allocated).as("bytes allocated to relay a result of %d bytes", block.length())
                    .isBetween((long) block.length(), block.length() * 3L / 2);
        }
    }

    @Test
    void aSmallResultBesideMuchElseIsCopiedOutOfTheAnswer() throws Exception {
        String pad = "\"" + "z".repeat(100_000) + "\"";
        try (FakeRpcServer node = new FakeRpcServer((request, exchange) -> FakeRpcServer.send(exchange, 200, "application/json",
                "{\"jsonrpc\":\"2.0\",\"pad\":" + pad + ",\"id\":" + request.get("id") + ",\"result\":\"0x2a\"}"));
             JsonRpcChainNode client = new JsonRpcChainNode(node.url(), Duration.ofSeconds(10), 4, Duration.ofMillis(500))) {
            var answer = client.call("eth_getBalance", "[\"0x00000000000000000000000000000000000000aa\",\"latest\"]");
            assertThat(answer.text()).isEqualTo("\"0x2a\"");
            // what keeps it (the finality cache, counted by its length) keeps only these bytes, not the node's 100 KB
            assertThat(answer.bytes()).hasSize(answer.length());
        }
    }
}
