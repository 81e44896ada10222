package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Resources;
import com.fasterxml.jackson.databind.JsonNode;
import io.reactivex.disposables.Disposable;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.websocket.WebSocketClient;
import org.web3j.protocol.websocket.WebSocketService;
import org.web3j.protocol.websocket.events.Log;
import org.web3j.protocol.websocket.events.NewHead;

/**
 * JSON-RPC over WebSocket on {@code ws://…/api/rpc} with web3j's WebSocketService, against a real
 * anvil mining a block a second: new heads and a contract's logs arrive as anvil produces them,
 * unsubscribing stops them, the relay's policy and the limits hold, and a server that stops says
 * so with 1001 (going away).
 */
class WebSocketRelayTest {
    /** LOG2(topic0 = EVENT, topic1 = caller), data = the first 32 bytes of the call data. */
    private static final String EVENT = "0x" + "ab".repeat(32);
    private static final String EMITTER_CODE = "0x6020600060003733" + "7f" + EVENT.substring(2) + "60206000a200";
    private static final String EMITTER = "0x00000000000000000000000000000000000e0e01";
    private static final int MAX_SUBSCRIPTIONS = 3;
    private static final int MAX_CONNECTIONS = 4;

    @TempDir
    static Path dir;
    private static AnvilProcess anvil;
    private static Chain chain;
    private static LiveServer server;

    @BeforeAll
    static void start() {
        anvil = AnvilProcess.withBlockTime(1);
        chain = new Chain(anvil);
        chain.setCode(EMITTER, EMITTER_CODE);
        Map<String, String> settings = LiveServer.settingsFor(anvil);
        settings.put("WS_MAX_SUBSCRIPTIONS", Integer.toString(MAX_SUBSCRIPTIONS));
        settings.put("WS_MAX_CONNECTIONS", Integer.toString(MAX_CONNECTIONS));
        server = LiveServer.start(settings, dir);
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(server, anvil);
    }

    /** A subscription ends with an error when its connection closes; the tests check the close itself. */
    private static void ended(Throwable closed) {
    }

    /** web3j's own WebSocket client, recording how the server closed it. */
    static final class Client extends WebSocketClient {
        final CompletableFuture<String> closed = new CompletableFuture<>();

        Client(int port) {
            super(URI.create("ws://127.0.0.1:" + port + "/api/rpc"));
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
            closed.complete(code + " " + reason);
            super.onClose(code, reason, remote);
        }
    }

    /** A connected web3j over its WebSocket provider; closing the service closes the socket. */
    record Connection(Client client, WebSocketService service, Web3j web3j) implements AutoCloseable {
        static Connection open(int port) throws Exception {
            Client client = new Client(port);
            WebSocketService service = new WebSocketService(client, false);
            service.connect();
            return new Connection(client, service, Web3j.build(service));
        }

        @Override
        public void close() {
            web3j.shutdown();
        }
    }

    @Test
    void newHeadsArriveAsAnvilMinesThemAndStopAfterUnsubscribing() throws Exception {
        try (Connection ws = Connection.open(server.port())) {
            BlockingQueue<NewHead> heads = new LinkedBlockingQueue<>();
            Disposable subscription = ws.web3j().newHeadsNotifications()
                    .subscribe(n -> heads.add(n.getParams().getResult()), WebSocketRelayTest::ended);
            List<NewHead> got = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                NewHead head = heads.poll(20, TimeUnit.SECONDS);
                assertThat(head).as("head %d within 20 s", i).isNotNull();
                got.add(head);
            }
            for (int i = 0; i < got.size(); i++) {
                NewHead head = got.get(i);
                JsonNode block = chain.call("eth_getBlockByNumber", head.getNumber(), false);
                assertThat(head.getHash()).isEqualTo(block.get("hash").asText());
                assertThat(head.getParentHash()).isEqualTo(block.get("parentHash").asText());
                if (i > 0) {
                    assertThat(Chain.quantity(block.get("number")))
                            .isEqualTo(new BigInteger(got.get(i - 1).getNumber().substring(2), 16).add(BigInteger.ONE));
                }
            }

            subscription.dispose(); // web3j sends eth_unsubscribe
            Thread.sleep(1500);     // the answer and any head already on its way
            heads.clear();
            long height = chain.height();
            while (chain.height() < height + 3) {
                Thread.sleep(200);
            }
            assertThat(heads).as("heads after unsubscribing").isEmpty();
            // the connection still serves requests
            assertThat(ws.web3j().ethBlockNumber().send().getBlockNumber().longValue()).isGreaterThanOrEqualTo(height);
        }
    }

    @Test
    void aContractsLogReachesTheSubscriptionWhoseFilterItMatches() throws Exception {
        try (Connection ws = Connection.open(server.port())) {
            BlockingQueue<Log> matching = new LinkedBlockingQueue<>();
            List<Log> otherTopic = new CopyOnWriteArrayList<>();
            Disposable a = ws.web3j().logsNotifications(List.of(EMITTER), List.of(EVENT))
                    .subscribe(n -> matching.add(n.getParams().getResult()), WebSocketRelayTest::ended);
            Disposable b = ws.web3j().logsNotifications(List.of(EMITTER), List.of("0x" + "cd".repeat(32)))
                    .subscribe(n -> otherTopic.add(n.getParams().getResult()), WebSocketRelayTest::ended);
            // both subscriptions in place before the event, whatever the machine's load: the server handles a
            // connection's messages one after another and answers them in order, so once a later call is answered
            // (web3j reads the answers in order too) the two eth_subscribe were answered and their ids known
            ws.web3j().ethBlockNumber().send();

            String data = "0x" + "00".repeat(31) + "2a";
            String txHash = chain.call("eth_sendTransaction", Map.of("from", AnvilProcess.ACCOUNT_0_ADDRESS, "to", EMITTER,
                    "data", data, "gas", "0x30000")).asText();
            Log log = matching.poll(20, TimeUnit.SECONDS);
            assertThat(log).as("the log within 20 s").isNotNull();
            assertThat(log.getTransactionHash()).isEqualTo(txHash);
            assertThat(log.getAddress()).isEqualTo(EMITTER);
            assertThat(log.getTopics()).containsExactly(EVENT,
                    "0x000000000000000000000000" + AnvilProcess.ACCOUNT_0_ADDRESS.substring(2).toLowerCase(Locale.ROOT));
            assertThat(log.getData()).isEqualTo(data);
            JsonNode receipt = chain.receipt(txHash);
            assertThat(log.getBlockHash()).isEqualTo(receipt.get("blockHash").asText());
            assertThat(otherTopic).isEmpty();
            a.dispose();
            b.dispose();
        }
    }

    @Test
    void theRelaysPolicyHoldsOverTheWebSocket() throws Exception {
        try (Connection ws = Connection.open(server.port())) {
            assertThat(ws.web3j().ethChainId().send().getChainId().longValue()).isEqualTo(AnvilProcess.CHAIN_ID);
            BigInteger before = chain.balance(AnvilProcess.ACCOUNT_0_ADDRESS);
            long pendingBefore = chain.pendingNonce(AnvilProcess.ACCOUNT_0_ADDRESS);
            var send = ws.web3j().ethSendTransaction(Transaction.createEtherTransaction(AnvilProcess.ACCOUNT_0_ADDRESS, null,
                    null, BigInteger.valueOf(21_000), "0x000000000000000000000000000000000000dEaD", BigInteger.TEN)).send();
            assertThat(send.hasError()).isTrue();
            assertThat(send.getError().getCode()).isEqualTo(-32601);
            assertThat(send.getTransactionHash()).isNull();
            var batch = ws.web3j().newBatch().add(ws.web3j().ethBlockNumber()).add(ws.web3j().ethAccounts()).send();
            assertThat(batch.getResponses()).hasSize(2).allSatisfy(r -> assertThat(r.hasError()).isFalse());
            // anvil takes a sent transaction into its pool (and mines it) before it answers, so a relayed send
            // would already show in the account's pending nonce: nothing left the unlocked account #0
            assertThat(chain.pendingNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(pendingBefore);
            assertThat(chain.balance(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(before);
        }
    }

    @Test
    void subscriptionsAndConnectionsOverTheLimitsAreRefusedPolitely() throws Exception {
        // the other tests' connections are gone (their clients closed them; the server counts them out)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!server.http.get("/metrics").body().matches("(?s).*\\ndytallix_ws_connections 0(\\.0)?\\n.*")
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        List<Connection> connections = new ArrayList<>();
        try {
            Connection first = Connection.open(server.port());
            connections.add(first);
            List<Disposable> subscriptions = new ArrayList<>();
            for (int i = 0; i < MAX_SUBSCRIPTIONS; i++) {
                subscriptions.add(first.web3j().newHeadsNotifications().subscribe(n -> { }, WebSocketRelayTest::ended));
            }
            assertThatThrownBy(() -> first.web3j().newHeadsNotifications().blockingFirst())
                    .hasMessageContaining("subscriptions");
            // the connection carries on
            assertThat(first.web3j().ethChainId().send().getChainId().longValue()).isEqualTo(AnvilProcess.CHAIN_ID);
            subscriptions.forEach(Disposable::dispose);

            while (connections.size() < MAX_CONNECTIONS) {
                connections.add(Connection.open(server.port()));
            }
            Client extra = new Client(server.port());
            extra.connectBlocking(10, TimeUnit.SECONDS); // opened, and maybe already closed again
            assertThat(extra.closed.get(10, TimeUnit.SECONDS)).startsWith("1013 ").contains("too many WebSocket connections");
            String metrics = server.http.get("/metrics").body();
            assertThat(metrics).containsPattern("(?m)^dytallix_ws_connections " + MAX_CONNECTIONS + "(\\.0)?$");
            Matcher open = Pattern.compile("(?m)^dytallix_http_connections (\\d+)(\\.0)?$").matcher(metrics);
            assertThat(open.find()).as("dytallix_http_connections in %s", metrics).isTrue();
            assertThat(Integer.parseInt(open.group(1))).as("the WebSockets are TCP connections too").isGreaterThanOrEqualTo(MAX_CONNECTIONS);
        } finally {
            connections.forEach(Connection::close);
        }
    }

    @Test
    void onTheEmbeddedDevChainHeadsArriveAndShutdownClosesWithGoingAway(@TempDir Path devDir) throws Exception {
        LiveServer dev = LiveServer.start(Map.of("PORT", "0", "HOST", "127.0.0.1", "DEV_BLOCK_TIME_MS", "200"), devDir);
        Connection ws = null;
        try {
            ws = Connection.open(dev.port());
            BlockingQueue<NewHead> heads = new LinkedBlockingQueue<>();
            ws.web3j().newHeadsNotifications().subscribe(n -> heads.add(n.getParams().getResult()), WebSocketRelayTest::ended);
            NewHead first = heads.poll(20, TimeUnit.SECONDS);
            NewHead second = heads.poll(20, TimeUnit.SECONDS);
            assertThat(second).isNotNull();
            assertThat(second.getParentHash()).isEqualTo(first.getHash());

            long start = System.nanoTime();
            dev.close();
            assertThat(ws.client().closed.get(10, TimeUnit.SECONDS)).isEqualTo("1001 server shutting down");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        } finally {
            if (ws != null) {
                ws.close();
            }
            dev.close();
        }
    }
}
