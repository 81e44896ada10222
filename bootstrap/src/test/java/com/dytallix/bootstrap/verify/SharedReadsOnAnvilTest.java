package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Resources;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identical relayed reads in flight at once share one node call (RPC_SHARE_INFLIGHT, on by default), on a real
 * node through the HTTP relay: many clients asking the same at the same moment each get the node's answer byte
 * for byte with their own id, and the node is asked fewer times than the clients asked.
 */
class SharedReadsOnAnvilTest {
    private static final int CLIENTS = 32;
    private static final int ROUNDS = 8;
    private static final Pattern UPSTREAM_OK = Pattern.compile("(?m)^dytallix_upstream_requests_total\\{outcome=\"ok\",[^}]*} (\\S+)$");
    private static final Pattern SHARED = Pattern.compile("(?m)^dytallix_rpc_shared_total\\{method=\"eth_getBlockByNumber\"} (\\S+)$");

    @TempDir
    Path dir;

    @Test
    void identicalReadsAtOnceGetTheNodesAnswerEachWithItsIdFromFewerNodeCalls() throws Exception {
        AnvilProcess anvil = AnvilProcess.withoutMining();
        LiveServer server = null;
        try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            anvil.rpc("anvil_mine", "[\"0x3\"]");
            Map<String, String> settings = LiveServer.settingsFor(anvil);
            settings.put("RPC_CACHE_MAX_BYTES", "0"); // every call reaches the node (or joins one that does)
            settings.put("STATUS_REFRESH_MS", "600000"); // the background's own reads aside, as far as they go
            settings.put("RPC_RATE_LIMIT_PER_MINUTE", "1000000");
            server = LiveServer.start(settings, dir);
            String params = "[\"latest\",true]";
            String fromNode = result(anvil.rpc("eth_getBlockByNumber", params));
            assertThat(fromNode).startsWith("{").contains("\"number\":\"0x3\"");
            URI rpc = URI.create("http://127.0.0.1:" + server.port() + "/api/rpc");

            String before = metrics(http, server);
            CyclicBarrier start = new CyclicBarrier(CLIENTS);
            List<Future<String[]>> answers = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                answers.add(clients.submit(() -> {
                    String[] got = new String[ROUNDS * 2];
                    for (int round = 0; round < ROUNDS; round++) {
                        // a number id for even clients, a string id for odd ones: each answer must carry its own
                        String id = client % 2 == 0 ? Integer.toString(client * 1000 + round) : "\"c" + client + "-" + round + "\"";
                        start.await(30, TimeUnit.SECONDS);
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(rpc).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":" + id
                                        + ",\"method\":\"eth_getBlockByNumber\",\"params\":" + params + "}")).build(), HttpResponse.BodyHandlers.ofString());
                        got[round * 2] = id;
                        got[round * 2 + 1] = r.statusCode() + " " + r.body();
                    }
                    return got;
                }));
            }
            for (Future<String[]> f : answers) {
                String[] got = f.get(120, TimeUnit.SECONDS);
                for (int i = 0; i < got.length; i += 2) {
                    assertThat(got[i + 1]).isEqualTo("200 {\"jsonrpc\":\"2.0\",\"id\":" + got[i] + ",\"result\":" + fromNode + "}");
                }
            }
            String after = metrics(http, server);
            long calls = (long) CLIENTS * ROUNDS;
            long nodeCalls = counter(UPSTREAM_OK, after) - counter(UPSTREAM_OK, before);
            long shared = counter(SHARED, after) - counter(SHARED, before);
            assertThat(shared).as("calls answered by joining").isPositive();
            assertThat(nodeCalls).as("node calls for %d relayed calls, %d of them shared", calls, shared).isLessThan(calls);
            assertThat(nodeCalls).as("the relay's own calls: those not shared").isGreaterThanOrEqualTo(calls - shared);
        } finally {
            Resources.closeAll(server, anvil);
        }
    }

    private static String metrics(HttpClient http, LiveServer server) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long counter(Pattern p, String metrics) {
        Matcher m = p.matcher(metrics);
        assertThat(m.find()).as(p.pattern()).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    /** The {@code result} member's text exactly as it was written (the last member). */
    private static String result(String answer) {
        int at = answer.indexOf("\"result\":");
        assertThat(at).as(answer).isPositive();
        return answer.substring(at + "\"result\":".length(), answer.length() - 1);
    }
}
