package com.dytallix.adapters.http;

import com.dytallix.application.FakeChain;
import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.sync.ChainLog;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RpcWebSocketTest {
    @RegisterExtension
    final LogWarnings warnings = new LogWarnings();
    private static final String TOKEN = "0x00000000000000000000000000000000000000aa";
    private static final String TRANSFER = "0x" + "dd".repeat(32);

    /** A log of {@code address} with these topics; mining places it in its block. */
    private static ChainLog log(String address, String... topics) {
        return new ChainLog(address, List.of(topics), "0x", 0, "pending", "0x" + "77".repeat(32), 0, 0, false);
    }

    private static String request(Object id, String method, String params) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}";
    }

    @Test
    void requestsGoThroughTheRelaysPolicyAsOverHttp() {
        try (TestApi api = TestApi.start(); WsTestClient ws = new WsTestClient(api.port())) {
            JsonNode answer = ws.call(request(7, "eth_blockNumber", "[]"));
            assertThat(answer.get("id").asInt()).isEqualTo(7);
            assertThat(answer.get("result").asText()).isEqualTo("0x10");
            assertThat(api.chain.calls).extracting(FakeChain.Call::method).containsExactly("eth_blockNumber");

            // refused whatever the allow-list says, and not on the allow-list: the same -32601 as over HTTP
            for (String method : List.of("eth_sendTransaction", "personal_sign", "eth_getLogs")) {
                JsonNode refused = ws.call(request("\"x\"", method, "[]"));
                assertThat(refused.path("error").path("code").asInt()).as(method).isEqualTo(-32601);
                assertThat(refused.get("id").asText()).isEqualTo("x");
                JsonNode overHttp = api.postJson("/api/rpc", request("\"x\"", method, "[]")).json();
                assertThat(refused.get("error")).isEqualTo(overHttp.get("error"));
            }
            assertThat(api.chain.calls).hasSize(1);

            JsonNode batch = ws.call("[" + request("\"a\"", "eth_chainId", "[]") + "," + request(2, "eth_sendTransaction", "[]")
                    + ",{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"params\":[]}]");
            assertThat(batch).hasSize(2);
            assertThat(batch.get(0).get("id").asText()).isEqualTo("a");
            assertThat(batch.get(1).path("error").path("code").asInt()).isEqualTo(-32601);

            assertThat(ws.call("{\"jsonrpc\":\"2.0\",\"id\":1,").path("error").path("code").asInt()).isEqualTo(-32700);
            assertThat(ws.call("[]").path("error").path("code").asInt()).isEqualTo(-32600);
            assertThat(ws.call("[1,2,3,4,5,6]").path("error").path("message").asText()).contains("over the limit of 5");
            assertThat(ws.call("{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"eth_chainId\"}").path("error").path("code").asInt())
                    .isEqualTo(-32600);
        }
    }

    /** As over HTTP: a batch's items the node cannot take are one warning with their count, not one per item. */
    @Test
    void aBatchOfFailedItemsIsOneWarningLineWithTheirCount() {
        try (TestApi api = TestApi.start(); WsTestClient ws = new WsTestClient(api.port())) {
            api.chain.relay = FakeChain.failing(new NodeException(NodeFailure.TIMEOUT, "the node did not answer"));
            List<String> items = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                items.add(request(i, "eth_getBalance", "[\"0x" + String.valueOf(i).repeat(40) + "\",\"latest\"]"));
            }
            JsonNode batch = ws.call("[" + String.join(",", items) + "]");

            assertThat(batch).hasSize(5).allSatisfy(item ->
                    assertThat(item.path("error").path("data").path("code").asText()).isEqualTo("RPC_TIMEOUT"));
            assertThat(warnings.records()).as(warnings.describe()).hasSize(1);
            assertThat(warnings.describe()).contains("RPC_TIMEOUT 504: 5 of 5 websocket batch items: ");

            ws.call(items.getFirst());
            assertThat(warnings.records()).as("a single call's failure as before").hasSize(2);
            assertThat(warnings.describe()).contains("RPC_TIMEOUT 504: websocket: ");
        }
    }

    @Test
    void newHeadsAndLogsSubscriptionsReceiveWhatTheFeedAnnouncesUntilUnsubscribed() {
        try (TestApi api = TestApi.start(); WsTestClient ws = new WsTestClient(api.port())) {
            String heads = ws.call(request(1, "eth_subscribe", "[\"newHeads\"]")).get("result").asText();
            String logs = ws.call(request(2, "eth_subscribe", "[\"logs\",{\"address\":\"" + TOKEN.toUpperCase().replace("0X", "0x")
                    + "\",\"topics\":[\"" + TRANSFER + "\"]}]")).get("result").asText();
            assertThat(heads).matches("0x[0-9a-f]{32}").isNotEqualTo(logs);
            api.feed.poll(); // joins at the head

            long block = api.chain.mine(log(TOKEN, TRANSFER), log(TOKEN, "0x" + "01".repeat(32)),
                    log("0x00000000000000000000000000000000000000bb", TRANSFER)).number();
            api.feed.poll();
            JsonNode head = ws.next();
            assertThat(head.get("method").asText()).isEqualTo("eth_subscription");
            assertThat(head.at("/params/subscription").asText()).isEqualTo(heads);
            assertThat(head.at("/params/result/number").asText()).isEqualTo("0x" + Long.toHexString(block));
            JsonNode log = ws.next();
            assertThat(log.at("/params/subscription").asText()).isEqualTo(logs);
            assertThat(log.at("/params/result/address").asText()).isEqualTo(TOKEN);
            assertThat(log.at("/params/result/topics/0").asText()).isEqualTo(TRANSFER);
            assertThat(log.at("/params/result/logIndex").asText()).isEqualTo("0x0");
            assertThat(log.at("/params/result/removed").asBoolean()).isFalse();
            assertThat(api.chain.calls).as("subscriptions never reach the relay").isEmpty();

            assertThat(ws.call(request(3, "eth_unsubscribe", "[\"" + heads + "\"]")).get("result").asBoolean()).isTrue();
            assertThat(ws.call(request(4, "eth_unsubscribe", "[\"" + heads + "\"]")).get("result").asBoolean()).isFalse();
            api.chain.mine();
            api.feed.poll();
            // the next message is the answer to this request, not a head
            assertThat(ws.call(request(5, "eth_chainId", "[]")).get("id").asInt()).isEqualTo(5);
            assertThat(ws.nothingReceived()).isTrue();
        }
    }

    @Test
    void aGetWithoutTheUpgradeIsToldToUpgrade() {
        try (TestApi api = TestApi.start()) {
            TestApi.Reply reply = api.get("/api/rpc");
            assertThat(reply.status()).isEqualTo(426);
            assertThat(reply.header("Upgrade")).contains("websocket");
            assertThat(reply.json().get("code").asText()).isEqualTo("INVALID_REQUEST");
            TestApi.Reply options = api.send("OPTIONS", "/api/rpc", null);
            assertThat(options.header("Allow")).contains("POST, GET, HEAD, OPTIONS");
            // a handshake without its key is refused in the envelope, not upgraded
            String raw = api.raw("GET /api/rpc HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n");
            assertThat(raw).startsWith("HTTP/1.1 400").contains("INVALID_REQUEST");
        }
    }

    @Test
    void aBrowserHandshakeIsAcceptedFromTheFrontendOriginOnly() {
        try (TestApi api = TestApi.start()) {
            String handshake = "GET /api/rpc HTTP/1.1\r\nHost: 127.0.0.1:" + api.port() + "\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
            assertThat(api.raw(handshake + "Origin: http://localhost:5173\r\n\r\n")).startsWith("HTTP/1.1 101");
            String elsewhere = api.raw(handshake + "Origin: https://elsewhere.example\r\n\r\n");
            assertThat(elsewhere).startsWith("HTTP/1.1 403");
            // the envelope says why (before round 15: INVALID_REQUEST, "the request could not be understood")
            assertThat(RawHttp.body(elsewhere)).contains("\"code\":\"FORBIDDEN\"",
                    "\"message\":\"this Origin may not open a WebSocket here; FRONTEND_ORIGIN lists the origins that may\"");
            assertThat(api.raw(handshake + "\r\n")).as("no Origin: not a browser").startsWith("HTTP/1.1 101");
        }
    }

    @Test
    void aListeningClientIsPingedPastTheIdleTimeoutAndAnsweredWhenItPings() throws Exception {
        try (TestApi api = TestApi.start(o -> {
            // Helidon's idle clock is a timestamp refreshed once a second: a connection may look idle up to a second
            // longer than it was, so a 4 s idle timeout may close one quiet for just over 3 s. Pings every 600 ms:
            // a pong may come 2.4 s late (a loaded machine) before the connection looks idle
            o.wsPingInterval = Duration.ofMillis(600);
            o.idleTimeout = Duration.ofSeconds(4);
        }); WsTestClient ws = new WsTestClient(api.port())) {
            ws.call(request(1, "eth_subscribe", "[\"newHeads\"]"));
            api.feed.poll();
            // two idle timeouts without a message from the client, and ten pings at least (they come
            // later on a loaded machine: waited for, not assumed from the interval)
            long twoIdleTimeouts = System.nanoTime() + Duration.ofSeconds(8).toNanos();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while ((System.nanoTime() - twoIdleTimeouts < 0 || ws.pings.get() < 10) && System.nanoTime() - deadline < 0
                    && !ws.closed.isDone()) {
                Thread.sleep(50);
            }
            assertThat(ws.closed).as("still open").isNotDone();
            assertThat(ws.pings.get()).as("pings within 60 s").isGreaterThanOrEqualTo(10);
            api.chain.mine();
            api.feed.poll();
            assertThat(ws.next().get("method").asText()).isEqualTo("eth_subscription");
            ws.ping("are you there");
            assertThat(ws.pong.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("are you there");
        }
    }

    @Test
    void aPeerThatNeverAnswersIsClosedAndItsSlotFreed() throws Exception {
        try (TestApi api = TestApi.start(o -> o.wsPingInterval = Duration.ofMillis(200));
             java.net.Socket silent = new java.net.Socket("127.0.0.1", api.port())) {
            silent.getOutputStream().write(("GET /api/rpc HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            api.awaitWebSockets(1);
            api.awaitWebSockets(0); // three unanswered ping intervals, well within the 10 s wait
        }
    }

    @Test
    void aFrameTrickledAByteAtATimeIsClosedAsTooBigLongBeforeItsPingsGoUnanswered() throws Exception {
        // the web server would keep every read of a frame still arriving (about 60 bytes of heap per
        // byte trickled, and a walk of them all per read): past 256 reads the connection is closed
        // with 1009, long before three pings (5 s apart here) go unanswered
        try (TestApi api = TestApi.start(o -> o.wsPingInterval = Duration.ofSeconds(5));
             java.net.Socket trickler = new java.net.Socket("127.0.0.1", api.port())) {
            trickler.setTcpNoDelay(true);
            trickler.setSoTimeout(30_000);
            var out = trickler.getOutputStream();
            out.write(("GET /api/rpc HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            var in = new java.io.DataInputStream(trickler.getInputStream());
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            out.write(new byte[] {(byte) 0x81, (byte) (0x80 | 126), 0x0f, (byte) 0xa0, 1, 2, 3, 4}); // a masked 4000-byte text frame
            long start = System.nanoTime();
            int sent = 0;
            try {
                // a pause per byte, so that each is a read of its own even on a loaded machine (a few
                // reads taking two bytes only delays the close)
                for (; sent < 4000 && in.available() == 0; sent++) {
                    out.write('a');
                    out.flush();
                    Thread.sleep(2);
                }
            } catch (java.io.IOException closedByServer) {
                // the close frame below was sent before the socket closed
            }
            assertThat(sent).as("bytes trickled before the server closed").isLessThan(4000);
            assertThat(in.readUnsignedByte()).as("a close frame").isEqualTo(0x88);
            int length = in.readUnsignedByte();
            assertThat(in.readUnsignedShort()).as("close code").isEqualTo(1009);
            byte[] reason = in.readNBytes(length - 2);
            assertThat(new String(reason, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("a frame arrived in more than 256 pieces");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
            api.awaitWebSockets(0);
            // what its reads held of the budget of all frames still arriving went with the connection
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (PieceLimitedWsUpgrade.FRAMES.held() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(PieceLimitedWsUpgrade.FRAMES.held()).isZero();
        }
    }

    @Test
    void aLargeMessageInOrdinarySegmentsIsAnsweredAndTheConnectionStays() throws Exception {
        try (TestApi api = TestApi.start(o -> o.wsMaxMessageBytes = 64 * 1024); WsTestClient ws = new WsTestClient(api.port())) {
            // about 60 KiB in 16 fragments: fragments are frames of their own, each within the bound
            String call = bigCall(1, 60);
            int step = call.length() / 16 + 1;
            for (int i = 0; i < call.length(); i += step) {
                ws.sendFragment(call.substring(i, Math.min(call.length(), i + step)), i + step >= call.length());
            }
            assertThat(ws.next().get("id").asInt()).isEqualTo(1);
            assertThat(ws.call(request(2, "eth_chainId", "[]")).get("id").asInt()).isEqualTo(2);
        }
    }

    @Test
    void aClientThatDoesNotReadIsDisconnectedWithoutHoldingUpTheFeedOrOthers() throws Exception {
        try (TestApi api = TestApi.start(o -> o.wsPingInterval = Duration.ofSeconds(2));
             WsTestClient slow = new WsTestClient(api.port()); WsTestClient reader = new WsTestClient(api.port())) {
            slow.call(request(1, "eth_subscribe", "[\"logs\"]"));
            String heads = reader.call(request(1, "eth_subscribe", "[\"newHeads\"]")).get("result").asText();
            slow.stopReading();
            api.feed.poll();
            ChainLog[] busyBlock = java.util.Collections.nCopies(20_000, log(TOKEN, TRANSFER)).toArray(ChainLog[]::new);
            for (int i = 0; i < 4; i++) {
                api.chain.mine(busyBlock);
                api.feed.poll(); // must return although one subscriber reads nothing
                assertThat(reader.next().at("/params/subscription").asText()).isEqualTo(heads);
            }
            api.awaitWebSockets(1);
            assertThat(api.feed.subscriptions()).isEqualTo(1);
        }
    }

    /**
     * Mines four blocks of 20,000 logs (about 30 MB of notifications, more than any socket buffer
     * takes) and returns the most the server held for its clients meanwhile.
     */
    private static long mineBusyBlocks(TestApi api) throws InterruptedException {
        ChainLog[] busyBlock = java.util.Collections.nCopies(20_000, log(TOKEN, TRANSFER)).toArray(ChainLog[]::new);
        java.util.concurrent.atomic.AtomicLong highest = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean mining = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (mining.get()) {
                highest.accumulateAndGet(api.ws.outboundHeld(), Math::max);
                java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            }
        });
        try {
            for (int i = 0; i < 4; i++) {
                api.chain.mine(busyBlock);
                api.feed.poll();
            }
        } finally {
            mining.set(false);
            sampler.join();
        }
        return highest.get();
    }

    @Test
    void aClientFurtherBehindThanItsQueueIsClosedWithAReasonAndTheQueueNeverPassesIt() throws Exception {
        try (TestApi api = TestApi.start(o -> {
            o.wsMaxQueuedBytes = 64 * 1024;
            o.wsPingInterval = Duration.ofSeconds(30); // the blocked writer waits for the client instead of cutting it
        }); WsTestClient slow = new WsTestClient(api.port())) {
            slow.call(request(1, "eth_subscribe", "[\"logs\"]"));
            slow.stopReading();
            // a sample is only a lower bound of what was held (a busy machine may not run the sampler while the
            // queue is full): it must never pass the limit; the close reason below proves the limit was reached
            long highest = mineBusyBlocks(api);
            assertThat(highest).isLessThanOrEqualTo(64 * 1024);
            slow.resumeReading();
            assertThat(slow.closeReason()).isEqualTo("1008 messages were not read in time: over 65536 bytes waiting (WS_MAX_QUEUED_BYTES)");
            api.awaitWebSockets(0);
            assertThat(api.ws.outboundHeld()).isZero();
        }
    }

    @Test
    void clientsThatDoNotReadNeverHoldMoreThanTheOutboundBudgetInAll() throws Exception {
        try (TestApi api = TestApi.start(o -> {
            o.wsMaxQueuedBytes = 1 << 20;
            o.wsMaxOutboundBytes = 96 * 1024;
            o.wsPingInterval = Duration.ofSeconds(30);
        }); WsTestClient a = new WsTestClient(api.port()); WsTestClient b = new WsTestClient(api.port())) {
            a.call(request(1, "eth_subscribe", "[\"logs\"]"));
            b.call(request(1, "eth_subscribe", "[\"logs\"]"));
            a.stopReading();
            b.stopReading();
            // a sample is only a lower bound of what was held (a busy machine may not run the sampler while the
            // queue is full): it must never pass the limit; the close reason below proves the limit was reached
            long highest = mineBusyBlocks(api);
            assertThat(highest).isLessThanOrEqualTo(96 * 1024);
            a.resumeReading();
            b.resumeReading();
            String busy = "1013 server busy: memory for waiting answers is taken (WS_MAX_OUTBOUND_BYTES or all buffers' share); reconnect shortly";
            assertThat(List.of(a.closeReason(), b.closeReason())).contains(busy);
            api.awaitWebSockets(0);
            assertThat(api.ws.outboundHeld()).isZero();
        }
    }

    @Test
    void malformedSubscriptionsAreInvalidParams() {
        try (TestApi api = TestApi.start(); WsTestClient ws = new WsTestClient(api.port())) {
            for (String params : List.of("[\"newPendingTransactions\"]", "[]", "{}", "[\"logs\",{\"fromBlock\":\"0x1\"}]",
                    "[\"logs\",{\"address\":\"0x12\"}]", "[\"logs\",{\"topics\":[\"0x1\"]}]", "[\"logs\",{\"topics\":[null,null,null,null,null]}]",
                    "[\"logs\",[]]", "[\"newHeads\",{}]")) {
                JsonNode answer = ws.call(request(9, "eth_subscribe", params));
                assertThat(answer.path("error").path("code").asInt()).as(params).isEqualTo(-32602);
            }
            assertThat(ws.call(request(9, "eth_unsubscribe", "[1]")).path("error").path("code").asInt()).isEqualTo(-32602);
            assertThat(api.feed.subscriptions()).isZero();
        }
    }

    @Test
    void subscriptionsOverTheLimitPerConnectionAreRefusedAndTheConnectionStays() {
        try (TestApi api = TestApi.start(); WsTestClient ws = new WsTestClient(api.port()); WsTestClient other = new WsTestClient(api.port())) {
            ws.call(request(1, "eth_subscribe", "[\"newHeads\"]"));
            ws.call(request(2, "eth_subscribe", "[\"logs\"]"));
            JsonNode refused = ws.call(request(3, "eth_subscribe", "[\"newHeads\"]"));
            assertThat(refused.path("error").path("code").asInt()).isEqualTo(-32005);
            assertThat(refused.path("error").path("message").asText()).contains("2 subscriptions");
            assertThat(other.call(request(1, "eth_subscribe", "[\"newHeads\"]")).has("result")).as("per connection").isTrue();
            assertThat(ws.call(request(4, "eth_chainId", "[]")).has("result")).isTrue();

            ws.close();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (api.feed.subscriptions() != 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(api.feed.subscriptions()).as("a closed connection's subscriptions are dropped").isEqualTo(1);
        }
    }

    /** A logs filter of {@code n} addresses made from {@code seed}, as eth_subscribe's params. */
    private static String logsOf(int seed, int n) {
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            addresses.add("\"0x" + String.format("%08x%032x", seed, i) + "\"");
        }
        return "[\"logs\",{\"address\":[" + String.join(",", addresses) + "]}]";
    }

    /**
     * Found by the round-20 sweep: the filters of logs subscriptions were bounded per message only, and
     * three connections of 100 subscriptions with the largest filters took the shipped 128 MB heap (the
     * process exited). A connection's filters now hold at most 4 x WS_MAX_MESSAGE_BYTES (16 KiB here:
     * two filters of 80 addresses, 7,200 bytes each as counted), and all connections' an eighth of the heap.
     */
    @Test
    void theLogsFiltersOfAConnectionHoldABoundedMemoryGivenBackOnUnsubscribeAndClose() {
        try (TestApi api = TestApi.start(o -> o.wsMaxSubscriptions = 10); WsTestClient ws = new WsTestClient(api.port())) {
            String first = ws.call(request(1, "eth_subscribe", logsOf(1, 80))).get("result").asText();
            ws.call(request(2, "eth_subscribe", logsOf(2, 80))).get("result").asText();
            assertThat(api.ws.filtersHeld()).isEqualTo(2 * 80 * (42 + RpcWebSocket.FILTER_VALUE_OVERHEAD));
            JsonNode refused = ws.call(request(3, "eth_subscribe", logsOf(3, 80)));
            assertThat(refused.path("error").path("code").asInt()).as(refused.toString()).isEqualTo(-32005);
            assertThat(refused.path("error").path("message").asText()).contains("4 x WS_MAX_MESSAGE_BYTES");
            assertThat(refused.path("error").path("data").path("scope").asText()).isEqualTo("subscriptions");
            assertThat(api.feed.subscriptions()).isEqualTo(2);
            // without a filter, or with a small one, a subscription still fits; an unsubscribed filter gives its share back
            assertThat(ws.call(request(4, "eth_subscribe", "[\"logs\"]")).has("result")).isTrue();
            assertThat(ws.call(request(5, "eth_unsubscribe", "[\"" + first + "\"]")).get("result").asBoolean()).isTrue();
            assertThat(ws.call(request(6, "eth_subscribe", logsOf(3, 80))).has("result")).isTrue();
            ws.close();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (api.ws.filtersHeld() != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(api.ws.filtersHeld()).as("a closed connection's filters are given back").isZero();
        }
    }

    @Test
    void connectionsOverTheLimitAreClosedWithAReason() throws Exception {
        try (TestApi api = TestApi.start()) {
            List<WsTestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    clients.add(new WsTestClient(api.port()));
                }
                api.awaitWebSockets(3);
                assertThat(api.connections.open()).as("TCP connections counted against HTTP_MAX_CONNECTIONS").isEqualTo(3);
                WsTestClient extra = new WsTestClient(api.port());
                clients.add(extra);
                assertThat(extra.closeReason()).startsWith("1013 ").contains("too many WebSocket connections (limit 3)");
                assertThat(api.ws.connections()).isEqualTo(3);

                clients.getFirst().close();
                api.awaitWebSockets(2);
                WsTestClient again = new WsTestClient(api.port());
                clients.add(again);
                assertThat(again.call(request(1, "eth_chainId", "[]")).has("result")).isTrue();
            } finally {
                clients.forEach(WsTestClient::close);
            }
        }
    }

    @Test
    void oneClientCannotTakeEverySlotAndAnIpv6ClientIsItsPrefix() throws Exception {
        try (TestApi api = TestApi.start(o -> {
            o.wsMaxConnections = 6;
            o.wsMaxConnectionsPerClient = 2;
            o.trustedProxies = List.of(com.dytallix.domain.IpRange.parse("127.0.0.1/32"));
        })) {
            List<WsTestClient> clients = new ArrayList<>();
            try {
                for (String ip : new String[] {"203.0.113.7", "203.0.113.7", "2001:db8::1", "2001:db8::2"}) {
                    clients.add(new WsTestClient(api.port(), "X-Forwarded-For", ip));
                }
                api.awaitWebSockets(4);
                WsTestClient third = new WsTestClient(api.port(), "X-Forwarded-For", "203.0.113.7");
                clients.add(third);
                assertThat(third.closeReason()).startsWith("1013 ")
                        .contains("too many WebSocket connections from this client (limit 2)");
                // another address of the same IPv6 /64 is the same client
                WsTestClient sameSubscriber = new WsTestClient(api.port(), "X-Forwarded-For", "2001:db8::3");
                clients.add(sameSubscriber);
                assertThat(sameSubscriber.closeReason()).startsWith("1013 ").contains("from this client");
                assertThat(api.ws.connections()).isEqualTo(4);

                WsTestClient other = new WsTestClient(api.port(), "X-Forwarded-For", "203.0.113.8");
                clients.add(other);
                assertThat(other.call(request(1, "eth_chainId", "[]")).has("result")).isTrue();

                // a closed connection gives its client's slot back
                clients.getFirst().close();
                api.awaitWebSockets(4);
                WsTestClient again = new WsTestClient(api.port(), "X-Forwarded-For", "203.0.113.7");
                clients.add(again);
                assertThat(again.call(request(2, "eth_chainId", "[]")).has("result")).isTrue();
            } finally {
                clients.forEach(WsTestClient::close);
            }
        }
    }

    @Test
    void theRequestLimitCountsWebSocketMessagesAndBatchItemsWithHttpRequests() {
        // the relay's own limit (RPC_RATE_LIMIT_PER_MINUTE): 1 + 2 messages' items, then 1 over HTTP: 4
        try (TestApi api = TestApi.start(o -> o.rpcRequestsPerMinute = 4); WsTestClient ws = new WsTestClient(api.port())) {
            assertThat(ws.call(request(1, "eth_chainId", "[]")).has("result")).isTrue();
            JsonNode batch = ws.call("[" + request(2, "eth_chainId", "[]") + "," + request(3, "eth_chainId", "[]") + "]");
            assertThat(batch).allSatisfy(a -> assertThat(a.has("result")).isTrue());
            assertThat(api.postJson("/api/rpc", request(9, "eth_chainId", "[]")).status()).isEqualTo(200);

            JsonNode refused = ws.call(request(4, "eth_chainId", "[]"));
            assertThat(refused.get("id").asInt()).isEqualTo(4);
            assertThat(refused.path("error").path("code").asInt()).isEqualTo(-32005);
            assertThat(refused.path("error").path("data").path("code").asText()).isEqualTo("RATE_LIMIT");
            assertThat(refused.path("error").path("data").path("retryAfter").asLong()).isPositive();
            assertThat(api.postJson("/api/rpc", request(10, "eth_chainId", "[]")).status()).isEqualTo(429);
            // the general /api/* limit is another budget
            assertThat(api.get("/api/status").status()).isEqualTo(200);
            assertThat(api.chain.calls).hasSize(4);
            assertThat(api.telemetry.rateLimitHits.get(com.dytallix.domain.grant.LimitScope.REQUESTS)).isEqualTo(2);
        }
    }

    @Test
    void aMessageWithAHugeExponentIsAParseErrorAndTheConnectionStays() {
        try (TestApi api = TestApi.start(); WsTestClient ws = new WsTestClient(api.port())) {
            JsonNode answer = ws.call("{\"jsonrpc\":\"2.0\",\"id\":1e999999999,\"method\":\"eth_chainId\"}");
            assertThat(answer.path("error").path("code").asInt()).isEqualTo(-32700);
            assertThat(answer.path("error").path("message").asText()).isEqualTo("Parse error: a number is out of range");
            JsonNode deep = ws.call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":" + "[".repeat(1001) + "]".repeat(1001) + "}");
            assertThat(deep.path("error").path("message").asText()).isEqualTo("Parse error: nested more than 1000 levels deep");
            JsonNode surrogate = ws.call("{\"jsonrpc\":\"2.0\",\"id\":\"\\ud800\",\"method\":\"eth_chainId\"}");
            assertThat(surrogate.get("id").textValue()).isEqualTo("\ud800");
            assertThat(ws.call(request(2, "eth_chainId", "[]")).get("id").asInt()).isEqualTo(2);
        }
    }

    @Test
    void aMessageOverTheSizeLimitClosesTheConnection() {
        try (TestApi api = TestApi.start(); WsTestClient ws = new WsTestClient(api.port())) {
            ws.send(request(1, "eth_call", "[\"" + "a".repeat(5000) + "\"]"));
            assertThat(ws.closeReason()).startsWith("1009");
            assertThat(api.chain.calls).isEmpty();
        }
    }

    /** An eth_call of about {@code kib} KiB. */
    private static String bigCall(Object id, int kib) {
        return request(id, "eth_call", "[{\"to\":\"" + TOKEN + "\",\"data\":\"0x" + "ab".repeat(kib * 512) + "\"},\"latest\"]");
    }

    private static void awaitInboundReleased(TestApi api) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (api.ws.inboundHeld() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(api.ws.inboundHeld()).isZero();
    }

    @Test
    void aMessageOverTheInboundBudgetIsRefusedUnreadAndTheConnectionStays() throws Exception {
        java.util.concurrent.CountDownLatch answering = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (TestApi api = TestApi.start(o -> {
            o.wsMaxMessageBytes = 64 * 1024;
            o.wsMaxInboundBytes = 64 * 1024;
        }); WsTestClient a = new WsTestClient(api.port()); WsTestClient b = new WsTestClient(api.port())) {
            api.chain.relay = (method, params) -> {
                answering.countDown();
                try {
                    release.await(20, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return "\"0x2a\"";
            };
            a.send(bigCall(1, 40));
            assertThat(answering.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            // a's 40 KiB are held while the node answers it: b's 40 KiB do not fit, and are refused unread
            JsonNode refused = b.call(bigCall(2, 40));
            assertThat(refused.path("error").path("code").asInt()).isEqualTo(-32005);
            assertThat(refused.path("error").path("message").asText()).contains("WS_MAX_INBOUND_BYTES");
            assertThat(refused.path("error").path("data").path("scope").asText()).isEqualTo("ws_inbound");
            assertThat(refused.get("id").isNull()).isTrue();
            // the same for a message in fragments, whichever fragment no longer fits; the rest of it is dropped
            b.sendFragment(bigCall(3, 20).substring(0, 10_000), false);
            b.sendFragment("a".repeat(30_000), false);
            b.sendFragment("a".repeat(10_000), true);
            assertThat(b.next().path("error").path("code").asInt()).isEqualTo(-32005);
            // small messages still fit, and b is still open
            assertThat(b.call(request(4, "eth_subscribe", "[\"newHeads\"]")).get("result").asText()).startsWith("0x");

            release.countDown();
            assertThat(a.next().get("result").asText()).isEqualTo("0x2a");
            awaitInboundReleased(api);
            assertThat(b.call(bigCall(5, 40)).get("result").asText()).isEqualTo("0x2a");
            awaitInboundReleased(api);
        }
    }

    @Test
    void aCrowdSendingLargeMessagesAtOnceGetsAnswersOrBusyErrorsAndTheBudgetIsNeverExceeded() throws Exception {
        try (TestApi api = TestApi.start(o -> {
            o.wsMaxMessageBytes = 64 * 1024;
            o.wsMaxInboundBytes = 128 * 1024;
            o.wsMaxConnections = 12;
            o.rpcRequestsPerMinute = 1_000_000;
        })) {
            java.util.concurrent.atomic.AtomicLong highest = new java.util.concurrent.atomic.AtomicLong();
            api.chain.relay = (method, params) -> {
                highest.accumulateAndGet(api.ws.inboundHeld(), Math::max);
                try {
                    Thread.sleep(20); // the node takes its time: messages pile up in the server
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return "\"0x2a\"";
            };
            List<WsTestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    clients.add(new WsTestClient(api.port()));
                }
                try (var each = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                    List<java.util.concurrent.Future<int[]>> outcomes = new ArrayList<>();
                    for (WsTestClient c : clients) {
                        outcomes.add(each.submit(() -> {
                            int[] counts = new int[2];
                            for (int m = 0; m < 5; m++) {
                                JsonNode answer = c.call(bigCall(m, 60));
                                counts[answer.has("result") ? 0 : 1]++;
                                if (!answer.has("result")) {
                                    assertThat(answer.path("error").path("code").asInt()).isEqualTo(-32005);
                                }
                            }
                            return counts;
                        }));
                    }
                    int answered = 0;
                    int busy = 0;
                    for (var f : outcomes) {
                        int[] counts = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                        answered += counts[0];
                        busy += counts[1];
                    }
                    assertThat(answered + busy).isEqualTo(50);
                    assertThat(answered).isPositive();
                    assertThat(busy).as("ten 60 KiB messages at once do not fit 128 KiB").isPositive();
                }
                assertThat(highest.get()).isPositive().isLessThanOrEqualTo(128 * 1024);
                awaitInboundReleased(api);
                assertThat(api.ws.connections()).as("every connection stays").isEqualTo(10);
            } finally {
                clients.forEach(WsTestClient::close);
            }
        }
    }

    @Test
    void shutdownClosesEveryConnectionAsGoingAway() throws Exception {
        try (TestApi api = TestApi.start(); WsTestClient a = new WsTestClient(api.port()); WsTestClient b = new WsTestClient(api.port())) {
            a.call(request(1, "eth_subscribe", "[\"newHeads\"]"));
            api.awaitWebSockets(2);
            api.ws.goAway(Duration.ofSeconds(5));
            assertThat(a.closeReason()).isEqualTo("1001 server shutting down");
            assertThat(b.closeReason()).isEqualTo("1001 server shutting down");
            assertThat(api.ws.connections()).isZero();
            assertThat(api.feed.subscriptions()).isZero();
        }
    }
}
