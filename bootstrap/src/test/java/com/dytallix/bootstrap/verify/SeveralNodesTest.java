package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.adapters.node.TcpProxy;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.LiveServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on RPC_URL with several nodes: two endpoints in front of one anvil (one chain), a second
 * anvil of the chain whose head is stopped, and an anvil of another chain id. One endpoint is killed
 * while the relay is under load and the faucet pays.
 */
class SeveralNodesTest {
    @TempDir
    Path dir;

    @Test
    void theRelayAndTheFaucetRideOutAKilledNodeAndStatusSaysWhich() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1);
             AnvilProcess foreign = AnvilProcess.start(31338, List.of("--block-time", "1"));
             TcpProxy preferred = new TcpProxy(anvil.rpcUrl());
             TcpProxy replica = new TcpProxy(anvil.rpcUrl());
             // a node of the same chain (a fork of it: the same genesis) that mines on its own and can be stopped
             AnvilProcess stalling = AnvilProcess.start(List.of("--fork-url", anvil.rpcUrl().toString(), "--block-time", "1"));
             TcpProxy other = new TcpProxy(foreign.rpcUrl())) {
            // the second anvil started later, a block a second: on a loaded machine that can be more than
            // UPSTREAM_MAX_LAG_BLOCKS behind from the start, and it would never serve a read
            long behind = height(anvil) - height(stalling);
            if (behind > 0) {
                stalling.rpc("anvil_mine", "[\"0x" + Long.toHexString(behind) + "\"]");
            }
            String stallingName = "http://127.0.0.1:" + stalling.rpcUrl().getPort();
            String otherName = "http://127.0.0.1:" + other.port();
            String credentials = "http://ops:hunter2@127.0.0.1:" + preferred.port() + "/?apikey=abc123";
            Map<String, String> settings = LiveServer.unlimitedSettingsFor(anvil, Map.of(
                    "RPC_URL", credentials + "," + replica.url() + "," + other.url() + "," + stalling.rpcUrl(),
                    "RPC_RATE_LIMIT_PER_MINUTE", "10000000"));
            try (LiveServer server = LiveServer.start(settings, dir)) {
                JsonNode status = server.http.get("/api/status").json();
                assertThat(status.get("upstreams")).hasSize(4);
                assertThat(status.get("upstreams").get(0).get("name").asText()).isEqualTo("http://127.0.0.1:" + preferred.port());
                assertThat(status.get("upstreams").get(0).get("status").asText()).isEqualTo("ok");
                assertThat(status.get("upstreams").get(2).get("status").asText()).isEqualTo("wrong_chain");
                assertThat(server.http.get("/api/status").body()).doesNotContain("hunter2", "abc123", "ops:");
                ApiClient.Response ready = server.http.get("/readyz");
                assertThat(ready.status()).isEqualTo(200);
                assertThat(ready.json().get("checks").get("node").asText()).contains("not serving: http://127.0.0.1:" + other.port() + " wrong_chain");

                AtomicBoolean running = new AtomicBoolean(true);
                ConcurrentLinkedQueue<Long> failedAt = new ConcurrentLinkedQueue<>();
                ConcurrentLinkedQueue<Long> answeredAt = new ConcurrentLinkedQueue<>();
                ExecutorService load = Executors.newVirtualThreadPerTaskExecutor();
                for (int i = 0; i < 6; i++) {
                    load.submit(() -> {
                        while (running.get()) {
                            ApiClient.Response r = server.http.post("/api/rpc",
                                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\"" + AnvilProcess.ACCOUNT_0_ADDRESS + "\",\"latest\"]}");
                            (r.status() == 200 && r.json().has("result") ? answeredAt : failedAt).add(System.nanoTime());
                        }
                    });
                }
                // the second anvil serves reads while it keeps up, and none once its head stopped and it fell behind
                awaitUntil(() -> routed(server, stallingName, "ok") > 0, "reads routed to the second anvil");
                stalling.rpc("evm_setIntervalMining", "[0]");
                awaitUntil(() -> server.http.get("/api/status").json().get("upstreams").get(3).get("status").asText().equals("lagging"),
                        "the stopped node to be lagging");
                // reads routed to it before it was found lagging may still be answered: a second for them, then counted
                Thread.sleep(1000);
                long servedByStalled = routed(server, stallingName, "ok");
                long killedAt = System.nanoTime();
                preferred.kill();
                List<String> grants = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    ApiClient.Response drip = server.http.drip("0x" + String.format("%040x", 0xbeef00 + i));
                    assertThat(drip.status()).as(drip.body()).isIn(200, 202);
                    grants.add(drip.field("grantId"));
                }
                Thread.sleep(3000);
                running.set(false);
                load.shutdown();
                assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
                // a read on its way to the killed node when it died is retried on another; its answer may come late on a
                // loaded machine: two seconds for those, then no failure at all
                long twoSecondsAfter = killedAt + TimeUnit.SECONDS.toNanos(2);
                assertThat(failedAt).as("failed reads two seconds after the kill").noneMatch(t -> t > twoSecondsAfter);
                assertThat(answeredAt.stream().filter(t -> t > twoSecondsAfter).count()).isGreaterThan(20);

                for (String grant : grants) {
                    JsonNode done = server.http.awaitGrant(grant, ApiClient::isFinal, Duration.ofSeconds(60));
                    assertThat(done.get("status").asText()).isEqualTo("confirmed");
                }
                // each grant landed once: the faucet's nonce moved by exactly the grants made
                String nonce = anvil.rpc("eth_getTransactionCount", "[\"" + AnvilProcess.ACCOUNT_0_ADDRESS + "\",\"latest\"]");
                assertThat(Long.decode(ApiClient.parse(nonce).get("result").asText())).isEqualTo(3);

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                JsonNode first;
                do {
                    Thread.sleep(200);
                    first = server.http.get("/api/status").json().get("upstreams").get(0);
                } while (!first.get("status").asText().equals("down") && System.nanoTime() < deadline);
                assertThat(first.get("status").asText()).isEqualTo("down");
                ready = server.http.get("/readyz");
                assertThat(ready.status()).isEqualTo(200);
                assertThat(ready.json().get("checks").get("node").asText()).contains("http://127.0.0.1:" + preferred.port() + " down");

                assertThat(routed(server, stallingName, "ok")).as("reads the lagging node answered").isEqualTo(servedByStalled);
                assertThat(routed(server, otherName, "ok") + routed(server, otherName, "failed")).as("calls to the other chain's node").isZero();
                assertThat(server.http.get("/api/status").json().get("upstreams").get(2).get("status").asText()).isEqualTo("wrong_chain");

                String metrics = server.http.get("/metrics").body();
                assertThat(metrics).contains("dytallix_upstream_up{upstream=\"http://127.0.0.1:" + preferred.port() + "\"} 0.0")
                        .contains("dytallix_upstream_up{upstream=\"" + replica.url().toString().replaceAll("/$", "") + "\"} 1.0")
                        .contains("dytallix_upstream_head{upstream=")
                        .contains("dytallix_upstream_requests_total{outcome=\"failed\",upstream=\"http://127.0.0.1:" + preferred.port() + "\"}")
                        .doesNotContain("hunter2", "abc123");
            }
        }
    }

    private static long height(AnvilProcess node) {
        return Long.decode(ApiClient.parse(node.rpc("eth_blockNumber", "[]")).get("result").asText());
    }

    /** Calls routed to a node, by outcome, as the metrics count them (0 before the first). */
    private static long routed(LiveServer server, String upstream, String outcome) {
        String line = "dytallix_upstream_requests_total{outcome=\"" + outcome + "\",upstream=\"" + upstream + "\"} ";
        return server.http.get("/metrics").body().lines().filter(l -> l.startsWith(line))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(line.length()).trim())).sum();
    }

    private static void awaitUntil(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within 60 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
