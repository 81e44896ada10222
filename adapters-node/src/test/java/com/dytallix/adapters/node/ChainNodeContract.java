package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.FeePolicy;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.sync.BlockHead;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.ChainReads;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.sync.Receipt;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every {@link ChainNode} must do, run against the dev chain and against a real node
 * (anvil). The node under test mines only when {@link #mine()} is called, so each step is
 * deterministic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ChainNodeContract {
    private static final FeePolicy FEES = new FeePolicy(Wei.ofDyt("0.001"));

    protected abstract ChainNode node();

    /** Mines exactly one block now. */
    protected abstract void mine();

    /** A key holding plenty of funds on this node. */
    protected abstract Secp256k1Key richKey();

    protected abstract long expectedChainId();

    /** Whether the node answers a block's receipts at once ({@code eth_getBlockReceipts}); the dev chain leaves it to receipt by receipt. */
    protected boolean answersBlockReceipts() {
        return true;
    }

    private Fees eip1559() {
        return FEES.initial(node().fees());
    }

    private Fees legacy() {
        return new Fees.Legacy(node().fees().gasPrice());
    }

    private SignedTransaction transfer(Secp256k1Key from, Address to, Wei value, long nonce, Fees fees) {
        return from.sign(new UnsignedTransaction(expectedChainId(), nonce, to, value, UnsignedTransaction.TRANSFER_GAS, fees));
    }

    private Secp256k1Key fundedAccount(Wei amount) {
        Secp256k1Key key = Secp256k1Key.generate();
        SignedTransaction funding = transfer(richKey(), key.address(), amount, node().pendingNonce(richKey().address()), eip1559());
        node().sendRawTransaction(funding.rawHex());
        mine();
        assertThat(node().receipt(funding.hash())).hasValueSatisfying(r -> assertThat(r.success()).isTrue());
        return key;
    }

    private static Address freshAddress() {
        return Secp256k1Key.generate().address();
    }

    private static void assertFailure(ThrowingCallable call, NodeFailure failure) {
        assertThatThrownBy(call).isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.failure()).isEqualTo(failure));
    }

    @Test
    void reportsItsChainId() {
        assertThat(node().chainId()).isEqualTo(expectedChainId());
        assertThat(node().call("eth_chainId", "[]").text()).isEqualTo("\"0x" + Long.toHexString(expectedChainId()) + "\"");
    }

    @Test
    void theHeadAdvancesWhenABlockIsMined() {
        BlockHead before = node().head();
        mine();
        mine();
        BlockHead after = node().head();
        assertThat(after.number()).isEqualTo(before.number() + 2);
        assertThat(after.timestamp()).isAfterOrEqualTo(before.timestamp());
        assertThat(after.baseFee()).isPresent();
        List<Duration> intervals = node().recentBlockIntervals(2);
        assertThat(intervals).hasSize(2).allSatisfy(d -> assertThat(d.isNegative()).isFalse());
        assertThat(node().syncing()).isEmpty();
    }

    @Test
    void aFundedAccountHasABalanceAndANewOneHasNone() {
        assertThat(node().balance(richKey().address())).isGreaterThan(Wei.ofDyt("10"));
        assertThat(node().balance(freshAddress())).isEqualTo(Wei.ZERO);
    }

    @Test
    void anEip1559TransferIsMinedAndPaysExactlyTheValue() {
        Secp256k1Key sender = fundedAccount(Wei.ofDyt("10"));
        Address recipient = freshAddress();
        Wei value = Wei.ofDyt("1.5");
        Fees fees = eip1559();

        SignedTransaction tx = transfer(sender, recipient, value, 0, fees);
        TxHash hash = node().sendRawTransaction(tx.rawHex());

        assertThat(hash).isEqualTo(tx.hash());
        assertThat(node().pendingNonce(sender.address())).isEqualTo(1);
        assertThat(node().minedNonce(sender.address())).isZero();
        assertThat(node().receipt(hash)).isEmpty();

        mine();

        Receipt receipt = node().receipt(hash).orElseThrow();
        assertThat(receipt.success()).isTrue();
        assertThat(receipt.blockNumber()).isEqualTo(node().head().number());
        // the receipt names its block, the canonical one at its height
        assertThat(receipt.blockHash()).matches("0x[0-9a-f]{64}");
        assertThat(new NodeBlockReader(node()).header(receipt.blockNumber()).orElseThrow().hash())
                .isEqualToIgnoringCase(receipt.blockHash());
        assertThat(node().blockHash(receipt.blockNumber())).contains(receipt.blockHash());
        assertThat(node().blockHash(receipt.blockNumber() + 1000)).as("a height not reached yet").isEmpty();
        if (answersBlockReceipts()) {
            assertThat(node().blockReceipts(receipt.blockNumber())).hasValueSatisfying(all -> assertThat(all).contains(receipt));
            assertThat(node().consistent().blockReceipts(receipt.blockNumber())).hasValueSatisfying(all -> assertThat(all).contains(receipt));
            assertThat(node().blockReceipts(receipt.blockNumber() + 1000)).as("a height not reached yet").isEmpty();
        } else {
            assertThat(node().blockReceipts(receipt.blockNumber())).isEmpty();
        }
        assertThat(node().balance(recipient)).isEqualTo(value);
        assertThat(node().minedNonce(sender.address())).isEqualTo(1);
        Wei spent = Wei.ofDyt("10").minus(node().balance(sender.address()));
        assertThat(spent).isGreaterThan(value).isLessThanOrEqualTo(value.plus(FeePolicy.maxGasCost(fees, UnsignedTransaction.TRANSFER_GAS)));
    }

    @Test
    void aLegacyTransferIsMinedAndPaysExactlyTheValue() {
        Secp256k1Key sender = fundedAccount(Wei.ofDyt("1"));
        Address recipient = freshAddress();
        SignedTransaction tx = transfer(sender, recipient, Wei.of(12345), 0, legacy());

        assertThat(node().sendRawTransaction(tx.rawHex())).isEqualTo(tx.hash());
        mine();

        assertThat(node().receipt(tx.hash())).hasValueSatisfying(r -> assertThat(r.success()).isTrue());
        assertThat(node().balance(recipient)).isEqualTo(Wei.of(12345));
    }

    @Test
    void aUsedNonceIsClassifiedNonceTooLow() {
        Secp256k1Key sender = fundedAccount(Wei.ofDyt("1"));
        node().sendRawTransaction(transfer(sender, freshAddress(), Wei.of(1), 0, eip1559()).rawHex());
        mine();

        SignedTransaction reuse = transfer(sender, freshAddress(), Wei.of(2), 0, eip1559());
        assertFailure(() -> node().sendRawTransaction(reuse.rawHex()), NodeFailure.NONCE_TOO_LOW);
    }

    @Test
    void anEmptyAccountIsClassifiedInsufficientFunds() {
        Secp256k1Key broke = Secp256k1Key.generate();
        SignedTransaction tx = transfer(broke, freshAddress(), Wei.ofDyt("1"), 0, eip1559());
        assertFailure(() -> node().sendRawTransaction(tx.rawHex()), NodeFailure.INSUFFICIENT_FUNDS);
    }

    @Test
    void resendingTheSameBytesReturnsTheSameHash() {
        Secp256k1Key sender = fundedAccount(Wei.ofDyt("1"));
        SignedTransaction tx = transfer(sender, freshAddress(), Wei.of(7), 0, eip1559());

        TxHash first = node().sendRawTransaction(tx.rawHex());
        TxHash again = node().sendRawTransaction(tx.rawHex());

        assertThat(again).isEqualTo(first).isEqualTo(tx.hash());
        mine();
        assertThat(node().receipt(tx.hash())).isPresent();
        assertThat(node().minedNonce(sender.address())).isEqualTo(1);
    }

    @Test
    void anEqualFeeReplacementIsUnderpricedAndABumpedOneReplaces() {
        Secp256k1Key sender = fundedAccount(Wei.ofDyt("1"));
        Address recipient = freshAddress();
        Fees fees = eip1559();
        SignedTransaction original = transfer(sender, recipient, Wei.of(1), 0, fees);
        node().sendRawTransaction(original.rawHex());

        SignedTransaction sameFees = transfer(sender, recipient, Wei.of(2), 0, fees);
        assertFailure(() -> node().sendRawTransaction(sameFees.rawHex()), NodeFailure.REPLACEMENT_UNDERPRICED);

        Fees bumped = FEES.bump(fees, node().fees()).orElseThrow();
        SignedTransaction replacement = transfer(sender, recipient, Wei.of(3), 0, bumped);
        assertThat(node().sendRawTransaction(replacement.rawHex())).isEqualTo(replacement.hash());
        mine();

        assertThat(node().receipt(replacement.hash())).hasValueSatisfying(r -> assertThat(r.success()).isTrue());
        assertThat(node().receipt(original.hash())).isEmpty();
        assertThat(node().balance(recipient)).isEqualTo(Wei.of(3));
    }

    @Test
    void aTransactionForAnotherChainIsClassifiedWrongChainId() {
        Secp256k1Key sender = fundedAccount(Wei.ofDyt("1"));
        SignedTransaction tx = sender.sign(new UnsignedTransaction(expectedChainId() + 1, 0, freshAddress(), Wei.of(1),
                UnsignedTransaction.TRANSFER_GAS, eip1559()));
        assertFailure(() -> node().sendRawTransaction(tx.rawHex()), NodeFailure.WRONG_CHAIN_ID);
    }

    @Test
    void pendingAndMinedNoncesDifferUntilTheBlock() {
        Secp256k1Key sender = fundedAccount(Wei.ofDyt("1"));
        node().sendRawTransaction(transfer(sender, freshAddress(), Wei.of(1), 0, eip1559()).rawHex());
        node().sendRawTransaction(transfer(sender, freshAddress(), Wei.of(1), 1, eip1559()).rawHex());

        assertThat(node().pendingNonce(sender.address())).isEqualTo(2);
        assertThat(node().minedNonce(sender.address())).isZero();
        mine();
        assertThat(node().pendingNonce(sender.address())).isEqualTo(2);
        assertThat(node().minedNonce(sender.address())).isEqualTo(2);
    }

    @Test
    void aConsistentViewReadsTheSameChainAsEveryRead() {
        Secp256k1Key sender = fundedAccount(Wei.ofDyt("1"));
        TxHash hash = node().sendRawTransaction(transfer(sender, freshAddress(), Wei.of(1), 0, eip1559()).rawHex());
        mine();

        ChainReads view = node().consistent();
        Receipt receipt = view.receipt(hash).orElseThrow();
        assertThat(view.head().number()).isGreaterThanOrEqualTo(receipt.blockNumber());
        assertThat(view.blockHash(receipt.blockNumber())).contains(receipt.blockHash());
        assertThat(view.minedNonce(sender.address())).isEqualTo(1);
        assertThat(view.balance(sender.address())).isEqualTo(node().balance(sender.address()));
        assertThat(view.chainId()).isEqualTo(expectedChainId());
        assertThat(view.fees().gasPrice()).isNotNull();
        assertThat(view.consistent()).isSameAs(view);
    }

    @Test
    void aRelayedCallAnswersJsonAndAnUnknownMethodIsAnRpcError() {
        long height = node().head().number();
        assertThat(node().call("eth_blockNumber", "[]").text()).isEqualTo("\"0x" + Long.toHexString(height) + "\"");
        assertThat(node().call("eth_getBalance", "[\"" + freshAddress().lower() + "\",\"latest\"]").text()).isEqualTo("\"0x0\"");
        assertThatThrownBy(() -> node().call("eth_noSuchMethod", "[]")).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.failure()).isEqualTo(NodeFailure.RPC_ERROR);
            assertThat(e.rpcCode()).contains(-32601);
        });
    }
}
