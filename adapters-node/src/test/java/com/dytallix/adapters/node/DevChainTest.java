package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DevChainTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Fees FEES = new Fees.Eip1559(Wei.of(3_000_000_000L), Wei.of(1_000_000_000L));

    private final DevChain chain = DevChain.stopped(Duration.ofMillis(50));
    private final Secp256k1Key sender = Secp256k1Key.generate();
    private final Address recipient = Secp256k1Key.generate().address();

    DevChainTest() {
        chain.fund(sender.address(), Wei.ofDyt("100"));
    }

    @AfterEach
    void close() {
        chain.close();
    }

    private SignedTransaction tx(long nonce, Wei value, Fees fees) {
        return sender.sign(new UnsignedTransaction(DevChain.CHAIN_ID, nonce, recipient, value, UnsignedTransaction.TRANSFER_GAS, fees));
    }

    private JsonNode call(String method, String params) throws Exception {
        return JSON.readTree(chain.call(method, params).text());
    }

    private static void assertFailure(ThrowingCallable call, NodeFailure failure) {
        assertThatThrownBy(call).isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.failure()).isEqualTo(failure));
    }

    @Test
    void theTimerMinesBlocksUntilStopped() throws InterruptedException {
        long start = chain.head().number();
        chain.resumeMining();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (chain.head().number() < start + 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(chain.head().number()).isGreaterThanOrEqualTo(start + 3);

        chain.stopMining();
        Thread.sleep(100);
        long stopped = chain.head().number();
        Thread.sleep(200);
        assertThat(chain.head().number()).isEqualTo(stopped);
    }

    @Test
    void closingStopsTheMinerThread() throws InterruptedException {
        DevChain other = new DevChain(Duration.ofMillis(20));
        other.close();
        long height = other.head().number();
        Thread.sleep(100);
        assertThat(other.head().number()).isEqualTo(height);
    }

    @Test
    void aTransferDebitsValuePlusGasAtTheEffectivePrice() {
        SignedTransaction t = tx(0, Wei.ofDyt("1"), FEES);
        chain.sendRawTransaction(t.rawHex());
        chain.mineNow();
        // effective price = min(maxFee 3 gwei, base 1 gwei + tip 1 gwei) = 2 gwei
        Wei gas = Wei.of(2_000_000_000L).times(21_000);
        assertThat(chain.balance(sender.address())).isEqualTo(Wei.ofDyt("99").minus(gas));
        assertThat(chain.balance(recipient)).isEqualTo(Wei.ofDyt("1"));
    }

    @Test
    void aBlockForgottenTakesItsTransactionsAndReceiptsWithIt() throws Exception {
        SignedTransaction old = tx(0, Wei.of(1), FEES);
        chain.sendRawTransaction(old.rawHex());
        long oldBlock = chain.mineNow();
        for (int i = 0; i < DevChain.KEPT_BLOCKS - 1; i++) {
            chain.mineNow();
        }
        // the newest KEPT_BLOCKS blocks are kept: the first transaction's block is the oldest of them
        assertThat(chain.receipt(old.hash())).isPresent();
        SignedTransaction recent = tx(1, Wei.of(1), FEES);
        chain.sendRawTransaction(recent.rawHex());
        chain.mineNow();

        assertThat(chain.blockHash(oldBlock)).isEmpty();
        assertThat(chain.receipt(old.hash())).isEmpty();
        assertThat(call("eth_getTransactionReceipt", "[\"" + old.hash().value() + "\"]").isNull()).isTrue();
        assertThat(call("eth_getTransactionByHash", "[\"" + old.hash().value() + "\"]").isNull()).isTrue();
        assertThat(chain.receipt(recent.hash())).isPresent();
        assertThat(chain.minedNonce(sender.address())).isEqualTo(2);
    }

    @Test
    void aNonceGapIsHeldUntilItIsFilled() {
        SignedTransaction later = tx(1, Wei.of(2), FEES);
        chain.sendRawTransaction(later.rawHex());
        assertThat(chain.pendingNonce(sender.address())).isZero();
        chain.mineNow();
        assertThat(chain.receipt(later.hash())).isEmpty();

        SignedTransaction first = tx(0, Wei.of(1), FEES);
        chain.sendRawTransaction(first.rawHex());
        assertThat(chain.pendingNonce(sender.address())).isEqualTo(2);
        chain.mineNow();
        assertThat(chain.receipt(first.hash())).isPresent();
        assertThat(chain.receipt(later.hash())).isPresent();
        assertThat(chain.balance(recipient)).isEqualTo(Wei.of(3));
    }

    @Test
    void aNonceFarAheadIsTooHigh() {
        assertFailure(() -> chain.sendRawTransaction(tx(DevChain.MAX_NONCE_GAP + 1, Wei.of(1), FEES).rawHex()), NodeFailure.NONCE_TOO_HIGH);
    }

    @Test
    void aReplacementNeedsTenPercentMoreOnBothFees() {
        chain.sendRawTransaction(tx(0, Wei.of(1), FEES).rawHex());
        Fees nine = new Fees.Eip1559(Wei.of(3_300_000_000L), Wei.of(1_090_000_000L));
        assertFailure(() -> chain.sendRawTransaction(tx(0, Wei.of(2), nine).rawHex()), NodeFailure.REPLACEMENT_UNDERPRICED);
        Fees ten = new Fees.Eip1559(Wei.of(3_300_000_000L), Wei.of(1_100_000_000L));
        SignedTransaction replacement = tx(0, Wei.of(2), ten);
        chain.sendRawTransaction(replacement.rawHex());
        chain.mineNow();
        assertThat(chain.receipt(replacement.hash())).isPresent();
    }

    @Test
    void feeAndGasRulesAreChecked() {
        SignedTransaction lowGas = sender.sign(new UnsignedTransaction(DevChain.CHAIN_ID, 0, recipient, Wei.of(1), 20_000, FEES));
        assertFailure(() -> chain.sendRawTransaction(lowGas.rawHex()), NodeFailure.INTRINSIC_GAS);
        SignedTransaction belowBase = tx(0, Wei.of(1), new Fees.Eip1559(Wei.of(999_999_999L), Wei.of(1)));
        assertFailure(() -> chain.sendRawTransaction(belowBase.rawHex()), NodeFailure.UNDERPRICED);
        SignedTransaction legacyBelowBase = tx(0, Wei.of(1), new Fees.Legacy(Wei.of(1)));
        assertFailure(() -> chain.sendRawTransaction(legacyBelowBase.rawHex()), NodeFailure.UNDERPRICED);
        SignedTransaction tipAboveCap = tx(0, Wei.of(1), new Fees.Eip1559(Wei.of(2_000_000_000L), Wei.of(3_000_000_000L)));
        assertFailure(() -> chain.sendRawTransaction(tipAboveCap.rawHex()), NodeFailure.INVALID_TRANSACTION);
    }

    @Test
    void garbageAndUnprotectedTransactionsAreInvalid() {
        assertFailure(() -> chain.sendRawTransaction("0xc0"), NodeFailure.INVALID_TRANSACTION);
        assertFailure(() -> chain.sendRawTransaction("0x02c0"), NodeFailure.INVALID_TRANSACTION);
        assertFailure(() -> chain.sendRawTransaction("0x01c0"), NodeFailure.INVALID_TRANSACTION);
        assertFailure(() -> chain.sendRawTransaction("hello"), NodeFailure.INVALID_TRANSACTION);

        // a pre-EIP-155 legacy transaction (v = 27/28) carries no chain id: refused like geth does over RPC
        List<Rlp.Item> fields = new ArrayList<>(List.of(Rlp.integer(0), Rlp.integer(2_000_000_000L), Rlp.integer(21_000),
                Rlp.bytes(recipient.bytes()), Rlp.integer(1), Rlp.bytes(new byte[0])));
        byte[] hash = BouncyCastleKeccak.INSTANCE.hash(Rlp.encode(new Rlp.Sequence(fields)));
        Secp256k1Key key = Secp256k1Key.fromHex("0x" + "46".repeat(32));
        BigInteger d = new BigInteger("46".repeat(32), 16);
        Secp256k1.Signature sig = Secp256k1.sign(hash, d);
        fields.add(Rlp.integer(27 + sig.recoveryId()));
        fields.add(Rlp.integer(sig.r()));
        fields.add(Rlp.integer(sig.s()));
        chain.fund(key.address(), Wei.ofDyt("1"));
        String raw = "0x" + HexFormat.of().formatHex(Rlp.encode(new Rlp.Sequence(fields)));
        assertFailure(() -> chain.sendRawTransaction(raw), NodeFailure.INVALID_TRANSACTION);
    }

    @Test
    void walletReadMethodsAnswerLikeANode() throws Exception {
        SignedTransaction t = tx(0, Wei.of(5), FEES);
        assertThat(call("eth_sendRawTransaction", "[\"" + t.rawHex() + "\"]").asText()).isEqualTo(t.hash().value());
        assertThatThrownBy(() -> chain.call("eth_sendRawTransaction", "[\"" + t.rawHex() + "\"]"))
                .isInstanceOfSatisfying(NodeException.class, e -> {
                    assertThat(e.failure()).isEqualTo(NodeFailure.RPC_ERROR);
                    assertThat(e.getMessage()).isEqualTo("already known");
                    assertThat(e.rpcCode()).contains(-32000);
                });

        JsonNode pendingTx = call("eth_getTransactionByHash", "[\"" + t.hash() + "\"]");
        assertThat(pendingTx.get("blockNumber").isNull()).isTrue();
        assertThat(pendingTx.get("from").asText()).isEqualTo(sender.address().lower());
        assertThat(call("eth_getTransactionReceipt", "[\"" + t.hash() + "\"]").isNull()).isTrue();
        assertThat(call("eth_getTransactionCount", "[\"" + sender.address().lower() + "\",\"pending\"]").asText()).isEqualTo("0x1");
        assertThat(call("eth_getTransactionCount", "[\"" + sender.address().lower() + "\",\"latest\"]").asText()).isEqualTo("0x0");

        long block = chain.mineNow();

        JsonNode receipt = call("eth_getTransactionReceipt", "[\"" + t.hash() + "\"]");
        assertThat(receipt.get("status").asText()).isEqualTo("0x1");
        assertThat(receipt.get("blockNumber").asText()).isEqualTo("0x" + Long.toHexString(block));
        assertThat(receipt.get("gasUsed").asText()).isEqualTo("0x5208");
        assertThat(receipt.get("effectiveGasPrice").asText()).isEqualTo("0x77359400");
        JsonNode latest = call("eth_getBlockByNumber", "[\"latest\", false]");
        assertThat(latest.get("number").asText()).isEqualTo("0x" + Long.toHexString(block));
        assertThat(latest.get("transactions")).hasSize(1);
        assertThat(latest.get("transactions").get(0).asText()).isEqualTo(t.hash().value());
        assertThat(latest.get("baseFeePerGas").asText()).isEqualTo("0x3b9aca00");
        JsonNode parent = call("eth_getBlockByNumber", "[\"0x" + Long.toHexString(block - 1) + "\", false]");
        assertThat(latest.get("parentHash").asText()).isEqualTo(parent.get("hash").asText()).matches("0x[0-9a-f]{64}");
        assertThat(call("eth_getBlockByNumber", "[\"0xffff\", false]").isNull()).isTrue();
        assertThat(call("eth_getBalance", "[\"" + recipient.lower() + "\",\"latest\"]").asText()).isEqualTo("0x5");

        assertThat(call("net_version", "[]").asText()).isEqualTo("1337");
        assertThat(call("eth_syncing", "[]").asBoolean()).isFalse();
        assertThat(call("eth_gasPrice", "[]").asText()).isEqualTo("0x77359400");
        assertThat(call("eth_maxPriorityFeePerGas", "[]").asText()).isEqualTo("0x3b9aca00");
        assertThat(call("eth_estimateGas", "[{\"to\":\"" + recipient.lower() + "\",\"value\":\"0x1\"}]").asText()).isEqualTo("0x5208");
        assertThat(call("eth_call", "[{\"to\":\"" + recipient.lower() + "\"},\"latest\"]").asText()).isEqualTo("0x");
        assertThat(call("web3_clientVersion", "[]").asText()).isNotBlank();
        JsonNode history = call("eth_feeHistory", "[\"0x2\",\"latest\",[50]]");
        assertThat(history.get("baseFeePerGas")).hasSize(3);
        assertThat(history.get("gasUsedRatio")).hasSize(2);
        assertThat(history.get("reward")).hasSize(2);
    }

    @Test
    void unknownMethodsAndBadParamsAreRpcErrors() {
        assertThatThrownBy(() -> chain.call("debug_traceTransaction", "[]")).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.failure()).isEqualTo(NodeFailure.RPC_ERROR);
            assertThat(e.rpcCode()).contains(-32601);
            assertThat(e.getMessage()).isEqualTo("the method debug_traceTransaction does not exist/is not available");
        });
        assertThatThrownBy(() -> chain.call("eth_getBalance", "[\"0x12\",\"latest\"]")).isInstanceOfSatisfying(NodeException.class,
                e -> assertThat(e.rpcCode()).contains(-32602));
        // by-name params (valid JSON-RPC 2.0, which the relay forwards) are invalid params here, not a crash
        assertThatThrownBy(() -> chain.call("eth_getBalance", "{\"address\":\"0x12\"}")).isInstanceOfSatisfying(NodeException.class,
                e -> assertThat(e.rpcCode()).contains(-32602));
    }

    @Test
    void concurrentSendersAllLandWithUniqueNonces() throws Exception {
        chain.resumeMining();
        List<Secp256k1Key> senders = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Secp256k1Key key = Secp256k1Key.generate();
            chain.fund(key.address(), Wei.ofDyt("1"));
            senders.add(key);
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<List<TxHash>>> results = new ArrayList<>();
            for (Secp256k1Key key : senders) {
                results.add(pool.submit(() -> {
                    List<TxHash> hashes = new ArrayList<>();
                    for (int n = 0; n < 10; n++) {
                        hashes.add(chain.sendRawTransaction(key.sign(new UnsignedTransaction(DevChain.CHAIN_ID, n, recipient,
                                Wei.of(1), UnsignedTransaction.TRANSFER_GAS, FEES)).rawHex()));
                    }
                    return hashes;
                }));
            }
            List<TxHash> all = new ArrayList<>();
            for (Future<List<TxHash>> f : results) {
                all.addAll(f.get(10, TimeUnit.SECONDS));
            }
            chain.stopMining();
            chain.mineNow();
            assertThat(all).hasSize(60).doesNotHaveDuplicates().allSatisfy(h -> assertThat(chain.receipt(h)).isPresent());
            assertThat(chain.balance(recipient)).isEqualTo(Wei.of(60));
            senders.forEach(k -> assertThat(chain.minedNonce(k.address())).isEqualTo(10));
        } finally {
            pool.shutdownNow();
        }
    }
}
