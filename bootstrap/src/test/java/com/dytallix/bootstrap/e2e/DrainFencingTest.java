package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.adapters.node.BouncyCastleKeccak;
import com.dytallix.adapters.node.FileKeyRing;
import com.dytallix.adapters.node.JsonRpcChainNode;
import com.dytallix.adapters.node.NodeBlockReader;
import com.dytallix.adapters.node.ScryptProofOfWork;
import com.dytallix.adapters.node.Secp256k1Key;
import com.dytallix.adapters.persistence.Persistence;
import com.dytallix.application.assembly.Application;
import com.dytallix.application.faucet.FaucetPolicy;
import com.dytallix.application.faucet.Finality;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.Poll;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.ProofOfWorkPolicy;
import com.dytallix.domain.grant.OutflowPolicy;
import com.dytallix.domain.key.FeePolicy;
import com.dytallix.domain.payer.InternalTransfer;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.telemetry.Telemetry;
import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A retired key's drain on a real store (an SQLite file) and a real node (anvil), through the use
 * cases as the server assembles them: the drain is signed, stored under the payer lease and only then
 * sent. A payer deposed behind its back sends nothing; a drain stored by a payer that died before
 * sending it is sent from its stored bytes by the next payer, never signed again. The node is the
 * referee: what it holds for the old key's nonce is counted.
 */
class DrainFencingTest {
    /** Far longer than a test: only the fence can tell a payer deposed behind its back. */
    private static final Duration LONG_LEASE = Duration.ofMinutes(10);
    /** A payer that dies loses it soon. */
    private static final Duration SHORT_LEASE = Duration.ofSeconds(1);
    private static final String OLD = AnvilProcess.ACCOUNT_0_ADDRESS;

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    @Test
    void aPayerDeposedBehindItsBackSignsNoDrainThatReachesTheNode() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withoutMining()) {
            Chain chain = new Chain(anvil);
            Persistence db = store();
            FileKeyRing keys = keys();
            Secp256k1Key next = Secp256k1Key.generate();
            Application first = assemble(db, node(anvil), keys, "first", LONG_LEASE);
            assertThat(first.election().campaign()).isTrue();
            keys.rotate(next.privateKeyHex(), true, Instant.now());
            Application second = assemble(db, node(anvil), keys(), "second", LONG_LEASE);

            // the first payer stalls; its lease is released and taken by the second instance behind its back
            db.leases().release(first.election().held().orElseThrow());
            assertThat(second.election().campaign()).isTrue();
            first.tracker().tick();

            assertThat(chain.pendingNonce(OLD)).as("nothing the deposed payer signed reached the node").isZero();
            assertThat(db.transfers().unsettled()).isEmpty();
            assertThat(first.election().isPayer()).as("the fence told it, long before its lease would run out").isFalse();

            second.tracker().tick();
            chain.mine();
            assertThat(chain.transactionsFrom(OLD)).singleElement()
                    .satisfies(tx -> assertThat(tx.get("to").asText()).isEqualToIgnoringCase(next.address().value()));
            assertThat(chain.balance(next.address().value())).isGreaterThan(Wei.ofDyt("9000").value());
        }
    }

    @Test
    void aDrainStoredByAPayerThatDiedBeforeSendingItIsSentFromItsStoredBytes() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.withoutMining()) {
            Chain chain = new Chain(anvil);
            FileKeyRing keys = keys();
            Secp256k1Key next = Secp256k1Key.generate();
            AtomicBoolean dead = new AtomicBoolean();
            Application dying = assemble(store(), diesOnSend(node(anvil), dead), keys, "dying", SHORT_LEASE);
            assertThat(dying.election().campaign()).isTrue();
            keys.rotate(next.privateKeyHex(), true, Instant.now());

            // signs and stores the drain, and "dies" sending it (renewed first: a loaded machine may be slower than the lease)
            Poll.eventually(Duration.ofSeconds(30), () -> dying.election().campaign() && tickedOnce(dying, dead), done -> done);
            assertThat(chain.pendingNonce(OLD)).isZero();

            // a late top-up of the old key: a drain signed again would move another amount
            chain.setBalance(OLD, chain.balance(OLD).add(Wei.ofDyt("5").value()));
            Persistence restarted = store();
            InternalTransfer stored = restarted.transfers().unsettled().getFirst();
            assertThat(stored.kind()).isEqualTo(InternalTransfer.Kind.DRAIN);
            assertThat(stored.lastSentAt()).isEmpty();
            Application successor = assemble(restarted, node(anvil), keys(), "successor", SHORT_LEASE);
            // the dead payer never handed its lease over: it runs out
            assertThat(Poll.eventually(Duration.ofSeconds(30), () -> successor.election().campaign(), taken -> taken)).isTrue();
            successor.tracker().reconcile();
            chain.mine();

            List<JsonNode> sent = chain.transactionsFrom(OLD);
            assertThat(sent).singleElement().satisfies(tx -> {
                assertThat(tx.get("hash").asText()).isEqualTo(stored.hash().value());
                assertThat(Chain.quantity(tx.get("nonce"))).isEqualTo(BigInteger.valueOf(stored.nonce()));
            });
            assertThat(chain.balance(next.address().value())).isEqualTo(stored.value().value());
        }
    }

    private static boolean tickedOnce(Application app, AtomicBoolean dead) {
        app.tracker().tick();
        return dead.get();
    }

    private Persistence store() {
        Persistence db = Persistence.open(Optional.empty(), dir.resolve("data/dytallix.db"));
        open.add(db);
        db.migrate();
        return db;
    }

    private FileKeyRing keys() {
        return new FileKeyRing(dir.resolve("data/faucet.key"), Optional.of(AnvilProcess.ACCOUNT_0_KEY));
    }

    private ChainNode node(AnvilProcess anvil) {
        JsonRpcChainNode node = new JsonRpcChainNode(anvil.rpcUrl(), Duration.ofSeconds(10), 8);
        open.add(node);
        return node;
    }

    /** The node, except that the first transaction sent never reaches it: the process died first. */
    private static ChainNode diesOnSend(ChainNode node, AtomicBoolean dead) {
        return (ChainNode) Proxy.newProxyInstance(ChainNode.class.getClassLoader(), new Class<?>[] {ChainNode.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("sendRawTransaction") && dead.compareAndSet(false, true)) {
                        throw new NodeException(NodeFailure.UNREACHABLE, "the process died before sending");
                    }
                    try {
                        return method.invoke(node, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static Application assemble(Persistence db, ChainNode node, FileKeyRing keys, String instance, Duration lease) {
        FaucetPolicy policy = new FaucetPolicy(Wei.ofDyt("10"), Wei.ofDyt("100"),
                new FaucetPolicy.Limits(10, 50, 1, Wei.ofDyt("10000"), 5),
                new OutflowPolicy(Wei.ofDyt("10000"), Wei.ofDyt("416"), new BigDecimal("0.1")),
                new ProofOfWorkPolicy(0, 16384, 8, 1, Duration.ofMinutes(10)), 64, new BigDecimal("0.1"),
                new FeePolicy(Wei.ofDyt("0.0000005")), Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(5));
        Application app = Application.assemble(
                new Application.Ports(node, new NodeBlockReader(node), keys, db.ledger(), db.controls(), db.rotations(),
                        db.leases(), db.transfers(), db.blocks(), db.challenges(),
                        new com.dytallix.adapters.node.HmacChallengeIds(db.challengeKey()), ip -> false, new ScryptProofOfWork(),
                        BouncyCastleKeccak.INSTANCE, Telemetry.NONE, Clock.systemUTC()),
                new Application.Choices(policy, List.of(), Optional.empty(), Optional.empty(), 10, new Finality(1, 64), instance,
                        lease));
        app.chain().check(); // as the server's start does, before anything is paid
        return app;
    }
}
