package com.dytallix.bootstrap.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Resources;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.BatchResponse;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlockNumber;
import org.web3j.protocol.core.methods.response.EthChainId;
import org.web3j.protocol.core.methods.response.EthGetBalance;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.Transfer;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Convert;

/**
 * Issue 7: an ordinary Ethereum client (web3j) uses {@code http://127.0.0.1:<port>/api/rpc} as its RPC
 * URL against a real anvil, reads the chain, batches, and sends a transaction it signed itself; what
 * the relay must refuse is refused through the client and over raw HTTP.
 */
class RealClientRelayTest {
    /** anvil's well-known account #1, funded at genesis; the client signs with it, not the faucet key. */
    private static final String ACCOUNT_1_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    @TempDir
    static Path dir;
    private static AnvilProcess anvil;
    private static Chain chain;
    private static LiveServer server;
    private static HttpService rpc;
    private static Web3j web3j;

    @BeforeAll
    static void start() {
        anvil = AnvilProcess.withBlockTime(1);
        anvil.mine(); // a first block now: a test may read the head before the block time has passed
        chain = new Chain(anvil);
        server = LiveServer.start(LiveServer.settingsFor(anvil), dir);
        rpc = new HttpService("http://127.0.0.1:" + server.port() + "/api/rpc");
        web3j = Web3j.build(rpc);
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(web3j == null ? null : web3j::shutdown, server, anvil);
    }

    @Test
    void readsTheChainThroughTheRelay() throws Exception {
        EthChainId chainId = web3j.ethChainId().send();
        assertThat(chainId.hasError()).as("eth_chainId error").isFalse();
        assertThat(chainId.getChainId().longValue()).isEqualTo(AnvilProcess.CHAIN_ID);

        EthBlockNumber height = web3j.ethBlockNumber().send();
        long nodeHeight = chain.height();
        // a block a second: the two reads may straddle one
        assertThat(height.getBlockNumber().longValue()).isBetween(nodeHeight - 1, nodeHeight + 1);

        EthGetBalance balance = web3j.ethGetBalance(AnvilProcess.ACCOUNT_0_ADDRESS, DefaultBlockParameterName.LATEST).send();
        assertThat(balance.hasError()).isFalse();
        assertThat(balance.getBalance()).isEqualTo(chain.balance(AnvilProcess.ACCOUNT_0_ADDRESS));
        assertThat(balance.getBalance()).isPositive();
    }

    @Test
    void batchesThroughTheRelay() throws Exception {
        BatchResponse batch = web3j.newBatch()
                .add(web3j.ethChainId())
                .add(web3j.ethBlockNumber())
                .add(web3j.ethGetBalance(AnvilProcess.ACCOUNT_0_ADDRESS, DefaultBlockParameterName.LATEST))
                .send();
        List<? extends Response<?>> answers = batch.getResponses();
        assertThat(answers).hasSize(3);
        assertThat(answers).allSatisfy(a -> assertThat(a.hasError()).as("batch item error").isFalse());
        assertThat(((EthChainId) answers.get(0)).getChainId().longValue()).isEqualTo(AnvilProcess.CHAIN_ID);
        // the node's height (block 0 when the class's anvil has not mined its first block yet); a block a second
        long nodeHeight = chain.height();
        assertThat(((EthBlockNumber) answers.get(1)).getBlockNumber().longValue()).isBetween(nodeHeight - 1, nodeHeight + 1);
        assertThat(((EthGetBalance) answers.get(2)).getBalance()).isPositive();
    }

    @Test
    void sendsTransactionsTheClientSignedItself() throws Exception {
        Credentials sender = Credentials.create(ACCOUNT_1_KEY);
        String recipient = Credentials.create(Keys.createEcKeyPair()).getAddress();
        // poll for the receipt every 200 ms (web3j's default waits 15 s between polls)
        var receipts = new PollingTransactionReceiptProcessor(web3j, 200, 150);
        var manager = new RawTransactionManager(web3j, sender, AnvilProcess.CHAIN_ID, receipts);
        Transfer transfer = new Transfer(web3j, manager);

        // legacy EIP-155: gas price from eth_gasPrice, nonce from eth_getTransactionCount, eth_sendRawTransaction
        TransactionReceipt legacy = transfer.sendFunds(recipient, BigDecimal.ONE, Convert.Unit.ETHER).send();
        assertThat(legacy.isStatusOK()).as("legacy receipt status").isTrue();
        assertThat(legacy.getFrom()).isEqualToIgnoringCase(sender.getAddress());
        BigInteger oneEther = Convert.toWei(BigDecimal.ONE, Convert.Unit.ETHER).toBigIntegerExact();
        assertThat(chain.balance(recipient)).isEqualTo(oneEther);

        // EIP-1559 (type 2), signed by web3j, sent with eth_sendRawTransaction
        var sent = manager.sendEIP1559Transaction(AnvilProcess.CHAIN_ID, Convert.toWei("1", Convert.Unit.GWEI).toBigIntegerExact(),
                Convert.toWei("100", Convert.Unit.GWEI).toBigIntegerExact(), BigInteger.valueOf(21_000), recipient, "",
                oneEther.multiply(BigInteger.TWO), false);
        assertThat(sent.hasError()).as("eth_sendRawTransaction error").isFalse();
        TransactionReceipt dynamic = receipts.waitForTransactionReceipt(sent.getTransactionHash());
        assertThat(dynamic.getType()).isEqualTo("0x2");
        assertThat(dynamic.isStatusOK()).as("EIP-1559 receipt status").isTrue();
        assertThat(web3j.ethGetBalance(recipient, DefaultBlockParameterName.LATEST).send().getBalance())
                .isEqualTo(oneEther.multiply(BigInteger.valueOf(3)));
    }

    @Test
    void methodsThatSignWithTheNodesKeysAreRefusedThroughTheClient() throws Exception {
        BigInteger before = chain.balance(AnvilProcess.ACCOUNT_0_ADDRESS);
        long pendingBefore = chain.pendingNonce(AnvilProcess.ACCOUNT_0_ADDRESS);
        var send = web3j.ethSendTransaction(Transaction.createEtherTransaction(AnvilProcess.ACCOUNT_0_ADDRESS, null, null,
                BigInteger.valueOf(21_000), "0x000000000000000000000000000000000000dEaD", BigInteger.TEN)).send();
        assertThat(send.hasError()).isTrue();
        assertThat(send.getError().getCode()).isEqualTo(-32601);
        assertThat(send.getTransactionHash()).isNull();

        // web3j 5 has no typed personal_sign; a custom method goes through its generic Request
        var sign = new Request<>("personal_sign", List.of("0xdeadbeef", AnvilProcess.ACCOUNT_0_ADDRESS), rpc, Signature.class).send();
        assertThat(sign.hasError()).isTrue();
        assertThat(sign.getError().getCode()).isEqualTo(-32601);
        assertThat(sign.getResult()).isNull();

        var signed = web3j.ethSign(AnvilProcess.ACCOUNT_0_ADDRESS, "0xdeadbeef").send();
        assertThat(signed.hasError()).isTrue();
        // anvil takes a sent transaction into its pool (and mines it) before it answers, so a relayed send
        // would already show in the account's pending nonce: nothing left the unlocked account #0
        assertThat(chain.pendingNonce(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(pendingBefore);
        assertThat(chain.balance(AnvilProcess.ACCOUNT_0_ADDRESS)).isEqualTo(before);
    }

    @Test
    void caseVariantsOfMethodNamesAreRefused() {
        for (String method : List.of("ETH_BLOCKNUMBER", "Eth_blockNumber", "eth_blocknumber", "eth_Sendtransaction",
                "ETH_SENDTRANSACTION", "Personal_Sign", "PERSONAL_SIGN", "Eth_Sign")) {
            JsonNode standard = server.http.post("/api/rpc",
                    "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method + "\",\"params\":[]}").json();
            assertThat(standard.path("error").path("code").asInt()).as(method).isEqualTo(-32601);
            assertThat(standard.has("result")).as(method).isFalse();
            assertThat(standard.get("id").asInt()).isEqualTo(7);

            ApiClient.Response simple = server.http.post("/api/rpc", "{\"method\":\"" + method + "\",\"params\":[]}");
            assertThat(simple.status()).as(method).isEqualTo(403);
            assertThat(simple.json().get("code").asText()).isEqualTo("RPC_METHOD_NOT_ALLOWED");
        }
    }

    @Test
    void aDuplicateMethodKeyIsRefusedWhicheverComesFirst() {
        for (String body : List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"method\":\"eth_sendTransaction\",\"params\":[]}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_sendTransaction\",\"method\":\"eth_blockNumber\",\"params\":[]}",
                "{\"method\":\"eth_blockNumber\",\"method\":\"personal_sign\",\"params\":[]}",
                "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]},"
                        + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_blockNumber\",\"method\":\"eth_sendTransaction\"}]")) {
            ApiClient.Response r = server.http.post("/api/rpc", body);
            assertThat(r.status()).as(body).isEqualTo(400);
            // JSON-RPC requests get a JSON-RPC parse error, the simple form the contract's envelope
            String code = r.json().has("error") ? r.json().get("error").get("code").asText() : r.json().get("code").asText();
            assertThat(code).isIn("-32700", "INVALID_REQUEST");
            assertThat(r.body()).doesNotContain("\"result\"");
        }
    }

    @Test
    void feeHistoryWithAnAddressAsBlockCountIsClampedAndAnsweredByTheRealNode() {
        String address = "0x000000000000000000000000000000000000dEaD";
        JsonNode answer = server.http.post("/api/rpc", "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"eth_feeHistory\","
                + "\"params\":[\"" + address + "\",\"latest\",[25,75]]}").json();
        assertThat(answer.has("error")).as(answer.toString()).isFalse();
        JsonNode history = answer.get("result");
        long height = chain.height();
        // the count was clamped to what nodes serve (1024), so anvil answered from its first block
        assertThat(Chain.quantity(history.get("oldestBlock")).longValue()).isBetween(0L, Math.max(0, height - 1023) + 1);
        assertThat(history.get("baseFeePerGas").size()).isGreaterThan(1);
        assertThat(history.get("reward").get(0).size()).isEqualTo(2);
    }

    /** The answer to personal_sign: a signature as hex text. */
    public static final class Signature extends Response<String> {
    }
}
