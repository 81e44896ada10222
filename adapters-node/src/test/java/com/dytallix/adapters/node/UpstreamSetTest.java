package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.FeePolicy;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.sync.ChainReads;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.UpstreamHealth;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Several endpoints in front of real anvil processes: endpoints in front of one anvil are nodes of
 * one chain; an anvil of another chain id, and one that does not mine, play the bad nodes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamSetTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private AnvilProcess mining;
    private AnvilProcess otherMining;
    private AnvilProcess stalled;
    private AnvilProcess otherChain;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    void startNodes() {
        mining = AnvilProcess.withBlockTime(1);
        otherMining = AnvilProcess.withBlockTime(1);
        stalled = AnvilProcess.withoutMining();
        otherChain = AnvilProcess.start(31338, List.of("--block-time", "1"));
    }

    @AfterAll
    void stopNodes() {
        for (AnvilProcess a : new AnvilProcess[] {mining, otherMining, stalled, otherChain}) {
            if (a != null) {
                a.close();
            }
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources.reversed()) {
            r.close();
        }
        resources.clear();
    }

    private TcpProxy endpoint(AnvilProcess anvil) {
        TcpProxy proxy = new TcpProxy(anvil.rpcUrl());
        resources.add(proxy);
        return proxy;
    }

    private UpstreamSet set(Optional<Long> chainId, int maxLag, URI... urls) {
        List<JsonRpcChainNode> nodes = new ArrayList<>();
        for (URI url : urls) {
            nodes.add(new JsonRpcChainNode(url, TIMEOUT, 16));
        }
        UpstreamSet set = new UpstreamSet(nodes, chainId, maxLag, 10_000, TIMEOUT);
        resources.add(set);
        set.checkHealth();
        return set;
    }

    private static UpstreamHealth health(UpstreamSet set, int index) {
        return set.upstreams().get(index);
    }

    @Test
    void theStartLineNamesTheNodesWithoutTheirKeysOrAClassName() {
        List<JsonRpcChainNode> one = List.of(new JsonRpcChainNode(URI.create("https://user:pw@rpc.example:8545/v2/SECRETKEY"), TIMEOUT, 1));
        List<JsonRpcChainNode> two = List.of(new JsonRpcChainNode(URI.create("http://10.0.0.1:8545"), TIMEOUT, 1),
                new JsonRpcChainNode(URI.create("http://10.0.0.2:8545/?apikey=SECRETKEY"), TIMEOUT, 1));
        try (UpstreamSet single = new UpstreamSet(one, Optional.empty(), 5, 10_000, TIMEOUT);
             UpstreamSet several = new UpstreamSet(two, Optional.empty(), 5, 10_000, TIMEOUT)) {
            assertThat(single.toString()).startsWith("node https://").contains("rpc.example:8545")
                    .doesNotContain("SECRETKEY").doesNotContain("pw").doesNotContain("UpstreamSet");
            assertThat(several.toString()).isEqualTo("nodes http://10.0.0.1:8545, http://10.0.0.2:8545");
        }
    }

    @Test
    void readsFailOverWhenAnEndpointIsKilledUnderLoad() throws Exception {
        TcpProxy first = endpoint(mining);
        TcpProxy second = endpoint(mining);
        UpstreamSet set = set(Optional.empty(), 5, first.url(), second.url());
        assertThat(set.upstreams()).allSatisfy(u -> assertThat(u.state()).isEqualTo(UpstreamHealth.State.OK));

        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Long> failuresAt = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> answeredAt = new ConcurrentLinkedQueue<>();
        Address rich = new Address(AnvilProcess.ACCOUNT_0_ADDRESS.toLowerCase());
        ExecutorService load = Executors.newVirtualThreadPerTaskExecutor();
        for (int i = 0; i < 8; i++) {
            int n = i;
            load.submit(() -> {
                while (running.get()) {
                    try {
                        if (n % 2 == 0) {
                            set.call("eth_blockNumber", "[]");
                        } else {
                            set.balance(rich);
                        }
                        answeredAt.add(System.nanoTime());
                    } catch (NodeException e) {
                        failuresAt.add(System.nanoTime());
                    }
                }
            });
        }
        ExecutorService checks = Executors.newSingleThreadExecutor();
        checks.submit(() -> {
            while (running.get()) {
                set.checkHealth();
                sleep(500);
            }
        });
        sleep(1500);
        long killedAt = System.nanoTime();
        first.kill();
        sleep(4000);
        running.set(false);
        load.shutdown();
        checks.shutdown();
        assertThat(load.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        assertThat(checks.awaitTermination(20, TimeUnit.SECONDS)).isTrue();

        long oneSecondAfter = killedAt + TimeUnit.SECONDS.toNanos(1);
        assertThat(failuresAt).as("failed reads more than a second after the kill").noneMatch(t -> t > oneSecondAfter);
        assertThat(answeredAt.stream().filter(t -> t > oneSecondAfter).count()).isGreaterThan(50);
        set.checkHealth();
        assertThat(health(set, 0).state()).isEqualTo(UpstreamHealth.State.DOWN);
        assertThat(health(set, 0).problem()).isPresent();
        assertThat(health(set, 1).state()).isEqualTo(UpstreamHealth.State.OK);
    }

    /**
     * The server's own calls fill every slot to the node (the soak at 300 grants/s: the faucet's sends waiting for one):
     * a health check refused OVERLOADED learns nothing about the node, which stays healthy. Counted down, the one node
     * made readiness fail (no healthy node) while it answered everything, 15 times in a ten-minute soak. A client's
     * relayed call is refused after its short wait; the subscription feed's reads (pinned to the freshest node) are
     * the server's own and wait their turn (refused like a client's, they logged a warning 108-177 times a soak).
     */
    @Test
    void whileEverySlotIsTakenACheckLeavesTheNodeHealthyAndTheFeedsReadsWaitTheirTurn() throws Exception {
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        FakeRpcServer server = new FakeRpcServer((req, ex) -> {
            switch (req.get("method").asText()) {
                case "eth_chainId" -> FakeRpcServer.result(req, ex, "\"0x7a69\"");
                case "eth_getBlockByNumber" -> FakeRpcServer.result(req, ex, "{\"number\":\"0x10\",\"timestamp\":\"0x6553f100\"}");
                default -> {
                    holding.countDown();
                    FakeRpcServer.holdUntil(release);
                    FakeRpcServer.result(req, ex, "\"0x0\"");
                }
            }
        });
        resources.add(server);
        UpstreamSet set = new UpstreamSet(List.of(new JsonRpcChainNode(server.url(), TIMEOUT, 1, Duration.ofMillis(50))),
                Optional.empty(), 5, 10_000, TIMEOUT);
        resources.add(set);
        set.checkHealth();
        assertThat(health(set, 0).state()).isEqualTo(UpstreamHealth.State.OK);
        try (ExecutorService caller = Executors.newVirtualThreadPerTaskExecutor()) {
            caller.submit(() -> set.balance(new Address("0x" + "11".repeat(20))));
            assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue(); // the one slot is taken
            set.checkHealth();
            assertThat(health(set, 0).state()).as("the check found no free slot").isEqualTo(UpstreamHealth.State.OK);
            assertThatThrownBy(() -> set.call("eth_chainId", "[]")).isInstanceOfSatisfying(NodeException.class,
                    e -> assertThat(e.failure()).isEqualTo(com.dytallix.domain.sync.NodeFailure.OVERLOADED));
            java.util.concurrent.Future<String> feed = caller.submit(() -> set.freshest().call("eth_chainId", "[]").text());
            Thread.sleep(300);
            assertThat(feed).as("the feed's read waits for the slot").isNotDone();
            release.countDown();
            assertThat(feed.get(5, TimeUnit.SECONDS)).isEqualTo("\"0x7a69\"");
        }
        set.checkHealth();
        assertThat(health(set, 0).state()).isEqualTo(UpstreamHealth.State.OK);
    }

    @Test
    void aNodeOfAnotherChainIsNeverUsed() {
        TcpProxy foreign = endpoint(otherChain);
        TcpProxy ours = endpoint(mining);
        UpstreamSet set = set(Optional.of(AnvilProcess.CHAIN_ID), 5, foreign.url(), ours.url());
        assertThat(health(set, 0).state()).isEqualTo(UpstreamHealth.State.WRONG_CHAIN);
        assertThat(health(set, 0).problem()).hasValueSatisfying(p -> assertThat(p).contains("31338"));
        long foreignAnswers = health(set, 0).okRequests();
        for (int i = 0; i < 40; i++) {
            assertThat(set.call("eth_chainId", "[]").text()).isEqualTo("\"0x7a69\"");
            set.head();
        }
        assertThat(health(set, 0).okRequests()).isEqualTo(foreignAnswers);
        assertThat(set.chainId()).isEqualTo(AnvilProcess.CHAIN_ID);
    }

    @Test
    void aNodeRelaunchedUnderTheSameChainIdIsNeverUsedWhileAnotherHasTheLedgersGenesis() {
        // anvil's genesis is made of its start time: a relaunch is another second (two anvils started in the same one
        // would be one chain to the faucet, as they are to each other)
        AnvilProcess other = AnvilProcess.start(List.of("--block-time", "1", "--timestamp", "1700000000"));
        resources.add(other);
        TcpProxy relaunched = endpoint(other);
        TcpProxy ours = endpoint(mining);
        String ledger = new JsonRpcChainNode(mining.rpcUrl(), TIMEOUT, 4).blockHash(0).orElseThrow();
        UpstreamSet set = set(Optional.of(AnvilProcess.CHAIN_ID), 1000, relaunched.url(), ours.url());
        assertThat(health(set, 0).state()).as("no ledger chain known: one chain id, both serve").isEqualTo(UpstreamHealth.State.OK);

        set.followLedgerChain(() -> Optional.of(ledger));
        set.checkHealth();

        assertThat(health(set, 0).state()).isEqualTo(UpstreamHealth.State.WRONG_CHAIN);
        assertThat(health(set, 0).problem()).hasValueSatisfying(p -> assertThat(p).contains("genesis").contains(ledger));
        assertThat(health(set, 1).state()).isEqualTo(UpstreamHealth.State.OK);
        long relaunchedAnswers = health(set, 0).okRequests();
        for (int i = 0; i < 40; i++) {
            set.call("eth_blockNumber", "[]");
            set.head();
        }
        assertThat(health(set, 0).okRequests()).isEqualTo(relaunchedAnswers);
        assertThat(set.consistent().blockHash(0)).contains(ledger);

        // the whole chain relaunched (no node has the ledger's genesis): the relay keeps its nodes, the faucet pauses itself
        set.followLedgerChain(() -> Optional.of("0x" + "ab".repeat(32)));
        set.checkHealth();
        assertThat(health(set, 0).state()).isEqualTo(UpstreamHealth.State.OK);
    }

    @Test
    void onlyNodesOfAnotherChainMakeTheChainIdCheckNameIt() {
        UpstreamSet set = set(Optional.of(AnvilProcess.CHAIN_ID), 5, endpoint(otherChain).url());
        assertThatThrownBy(() -> ChainIdCheck.verify(set, Optional.of(AnvilProcess.CHAIN_ID)))
                .hasMessage("node chain id 31338 does not match CHAIN_ID 31337");
        assertThatThrownBy(set::head).isInstanceOf(NodeException.class).hasMessageContaining("wrong_chain");
    }

    @Test
    void aNodeWhoseHeadStopsGetsNoReadsOnceItFallsBehind() {
        UpstreamSet set = set(Optional.empty(), 2, endpoint(stalled).url(), endpoint(mining).url());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (health(set, 0).state() != UpstreamHealth.State.LAGGING && System.nanoTime() < deadline) {
            sleep(250);
            set.checkHealth();
        }
        assertThat(health(set, 0).state()).isEqualTo(UpstreamHealth.State.LAGGING);
        assertThat(health(set, 0).lag()).isGreaterThan(2);
        long stalledAnswers = health(set, 0).okRequests();
        long previous = -1;
        for (int i = 0; i < 40; i++) {
            long number = Long.decode(set.call("eth_blockNumber", "[]").text().replace("\"", ""));
            assertThat(number).isGreaterThanOrEqualTo(Math.max(previous, 3));
            previous = number;
        }
        assertThat(health(set, 0).okRequests()).isEqualTo(stalledAnswers);
    }

    @Test
    void chainReadsGoToTheNodeWithTheBestHeadSoALaggingOneNeverHidesAMinedTransaction() {
        try (AnvilProcess chain = AnvilProcess.withoutMining()) {
            for (int i = 0; i < 5; i++) {
                chain.mine();
            }
            // a node of the same chain stuck at block 5: anvil forked from it, not mining
            try (AnvilProcess behind = AnvilProcess.start(List.of("--fork-url", chain.rpcUrl().toString(), "--fork-block-number", "5",
                    "--no-mining"))) {
                Secp256k1Key rich = Secp256k1Key.fromHex(AnvilProcess.ACCOUNT_0_KEY);
                JsonRpcChainNode direct = new JsonRpcChainNode(chain.rpcUrl(), TIMEOUT, 4);
                resources.add(direct);
                SignedTransaction tx = rich.sign(new UnsignedTransaction(AnvilProcess.CHAIN_ID, direct.pendingNonce(rich.address()),
                        new Address("0x3636363636363636363636363636363636363636"), Wei.of(1), UnsignedTransaction.TRANSFER_GAS,
                        new FeePolicy(Wei.ofDyt("0.001")).initial(direct.fees())));
                direct.sendRawTransaction(tx.rawHex());
                chain.mine();
                chain.mine();
                String canonical = direct.blockHash(6).orElseThrow();

                // both serve (the lag allowed is wide); the one behind is first in RPC_URL
                UpstreamSet set = set(Optional.empty(), 100, endpoint(behind).url(), endpoint(chain).url());
                assertThat(health(set, 0).state()).isEqualTo(UpstreamHealth.State.OK);
                assertThat(health(set, 0).lag()).isEqualTo(2);
                for (int i = 0; i < 20; i++) {
                    assertThat(set.receipt(tx.hash())).hasValueSatisfying(r -> assertThat(r.blockHash()).isEqualTo(canonical));
                    assertThat(set.blockHash(6)).contains(canonical);
                    assertThat(set.minedNonce(rich.address())).isEqualTo(1);
                    assertThat(set.head().number()).isEqualTo(7);
                }
                assertThat(health(set, 0).okRequests()).as("chain reads answered by the node behind").isZero();

                ChainReads pass = set.consistent();
                assertThat(pass.head().number()).isEqualTo(7);
                assertThat(pass.blockHash(6)).contains(canonical);
                assertThat(pass.receipt(tx.hash())).isPresent();
                assertThat(health(set, 0).okRequests()).isZero();

                // the relay's reads still spread over both (the client asked for no particular block), the faster more
                for (int i = 0; i < 2000 && health(set, 0).okRequests() == 0; i++) {
                    set.call("eth_chainId", "[]");
                }
                assertThat(health(set, 0).okRequests()).isPositive();
            }
        }
    }

    @Test
    void callsReuseTheirKeepAliveConnectionInsteadOfConnectingEachTime() {
        TcpProxy endpoint = endpoint(mining);
        UpstreamSet set = set(Optional.empty(), 5, endpoint.url());
        long before = endpoint.connections();
        for (int i = 0; i < 100; i++) {
            set.call("eth_blockNumber", "[]");
            set.call("eth_getBlockByNumber", "[\"0x0\",false]");
            set.head();
        }
        assertThat(endpoint.connections() - before).as("connections opened for 300 calls in a row").isLessThanOrEqualTo(2);
    }

    @Test
    void theSubscriptionFeedReadsTheNodeWithTheBestHeadNeverOneBehind() {
        try (AnvilProcess chain = AnvilProcess.withoutMining()) {
            for (int i = 0; i < 5; i++) {
                chain.mine();
            }
            try (AnvilProcess behind = AnvilProcess.start(List.of("--fork-url", chain.rpcUrl().toString(), "--fork-block-number", "5",
                    "--no-mining"))) {
                chain.mine();
                chain.mine();
                // both serve (the lag allowed is wide); the one behind is first in RPC_URL
                UpstreamSet set = set(Optional.empty(), 100, endpoint(behind).url(), endpoint(chain).url());
                NodeBlockReader reader = new NodeBlockReader(set);
                for (int i = 0; i < 20; i++) {
                    var step = reader.onFreshestNode();
                    var latest = step.latestHeader();
                    assertThat(latest.number()).isEqualTo(7);
                    assertThat(step.header(6).orElseThrow().hash()).isEqualTo(latest.parentHash());
                }
                assertThat(health(set, 0).okRequests()).as("feed reads answered by the node behind").isZero();
            }
        }
    }

    @Test
    void aConsistentViewStaysOnItsNodeAndDoesNotFailOver() {
        TcpProxy first = endpoint(mining);
        TcpProxy second = endpoint(mining);
        UpstreamSet set = set(Optional.empty(), 5, first.url(), second.url());
        ChainReads pass = set.consistent();
        long head = pass.head().number();
        int pinned = health(set, 0).okRequests() > 0 ? 0 : 1;
        (pinned == 0 ? first : second).kill();
        assertThatThrownBy(() -> pass.blockHash(head)).isInstanceOf(NodeException.class);
        // the set itself fails over, and the next view is made on the node that answers
        assertThat(set.blockHash(head)).isPresent();
        assertThat(set.consistent().blockHash(head)).isPresent();
        assertThat(health(set, 1 - pinned).okRequests()).isPositive();
    }

    @Test
    void theBlockNumberNeverGoesBackwardsWhenNodesDisagree() {
        // both nodes serve (the lag allowed is wide), one far behind: answers mix, the number only rises
        UpstreamSet set = set(Optional.empty(), 1_000_000, endpoint(stalled).url(), endpoint(mining).url());
        sleep(2500);
        set.checkHealth();
        long previous = -1;
        for (int i = 0; i < 60; i++) {
            long number = Long.decode(set.call("eth_blockNumber", "[]").text().replace("\"", ""));
            assertThat(number).isGreaterThanOrEqualTo(previous);
            previous = number;
        }
        assertThat(previous).isGreaterThan(0);
    }

    @Test
    void sendsGoToThePreferredNodeAndLandOnceEvenAfterItDies() {
        TcpProxy preferred = endpoint(mining);
        TcpProxy other = endpoint(mining);
        UpstreamSet set = set(Optional.empty(), 5, preferred.url(), other.url());
        Secp256k1Key rich = Secp256k1Key.fromHex(AnvilProcess.ACCOUNT_0_KEY);
        Secp256k1Key sender = Secp256k1Key.generate();
        FeePolicy fees = new FeePolicy(Wei.ofDyt("0.001"));
        long richNonce = set.pendingNonce(rich.address());
        TxHash funding = set.sendRawTransaction(rich.sign(new UnsignedTransaction(AnvilProcess.CHAIN_ID, richNonce,
                sender.address(), Wei.ofDyt("1"), UnsignedTransaction.TRANSFER_GAS, fees.initial(set.fees()))).rawHex());
        awaitReceipt(set, funding);
        long preferredConnections = preferred.connections();
        assertThat(preferredConnections).isPositive();

        Address to = new Address("0x3535353535353535353535353535353535353535");
        SignedTransaction first = sender.sign(new UnsignedTransaction(AnvilProcess.CHAIN_ID, 0, to, Wei.of(1),
                UnsignedTransaction.TRANSFER_GAS, fees.initial(set.fees())));
        assertThat(set.sendRawTransaction(first.rawHex())).isEqualTo(first.hash());
        awaitReceipt(set, first.hash());

        preferred.kill();
        SignedTransaction second = sender.sign(new UnsignedTransaction(AnvilProcess.CHAIN_ID, 1, to, Wei.of(1),
                UnsignedTransaction.TRANSFER_GAS, fees.initial(set.fees())));
        // relayed as a client would: the answer is the node's, the bytes land once
        assertThat(set.call("eth_sendRawTransaction", "[\"" + second.rawHex() + "\"]").text()).isEqualTo("\"" + second.hash().value() + "\"");
        awaitReceipt(set, second.hash());
        assertThat(set.minedNonce(sender.address())).isEqualTo(2);
        assertThat(set.balance(to)).isEqualTo(Wei.of(2));
    }

    @Test
    void filtersStayOnTheNodeThatCreatedThem() {
        TcpProxy a = endpoint(mining);
        UpstreamSet set = set(Optional.empty(), 1_000_000, a.url(), endpoint(otherMining).url());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(set.call("eth_newBlockFilter", "[]").text());
        }
        sleep(2200);
        for (String id : ids) {
            for (int i = 0; i < 3; i++) {
                String changes = set.call("eth_getFilterChanges", "[" + id + "]").text();
                assertThat(changes).startsWith("[");
            }
        }
        assertThat(set.call("eth_uninstallFilter", "[" + ids.getFirst() + "]").text()).isEqualTo("true");

        String onA = ids.stream().filter(id -> id.startsWith("\"0x00")).findFirst().orElseGet(() -> {
            String id;
            do {
                id = set.call("eth_newBlockFilter", "[]").text();
            } while (!id.startsWith("\"0x00"));
            return id;
        });
        a.kill();
        String gone = onA;
        assertThatThrownBy(() -> set.call("eth_getFilterChanges", "[" + gone + "]")).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("filter not found");
            assertThat(e.rpcCode()).contains(-32000);
        });
        assertThatThrownBy(() -> set.call("eth_getFilterChanges", "[\"0x7f01\"]")).hasMessage("filter not found");
    }

    private static void awaitReceipt(UpstreamSet set, TxHash hash) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (set.receipt(hash).isPresent()) {
                return;
            }
            sleep(200);
        }
        throw new AssertionError("no receipt for " + hash.value());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
