package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RelayParamsTest {
    private static final String ADDRESS = "\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"";
    private static final String HASH = "\"0xabababababababababababababababababababababababababababababababab\"";
    private final RelayParams params = new RelayParams(new ObjectMapper(), 100, () -> 1_000);

    private void invalid(String method, String json, String why) {
        assertThatThrownBy(() -> params.parse(method, json)).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.failure()).isEqualTo(NodeFailure.RPC_ERROR);
            assertThat(e.rpcCode()).contains(-32602);
            assertThat(e.getMessage()).startsWith("invalid params: ").contains(why);
            assertThat(e.reachedNode()).as("refused before any node saw it").isFalse();
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "eth_getBalance|[" + "\"0x12\",\"latest\"]|an address",
            "eth_getBalance|[]|missing value for required argument 0",
            "eth_getBalance|[" + ADDRESS + ",\"newest\"]|block number",
            "eth_getBalance|[" + ADDRESS + ",\"0x01\"]|block number",
            "eth_blockNumber|[1]|too many arguments, want at most 0",
            "eth_getBlockByNumber|[\"latest\",\"yes\"]|true or false",
            "eth_getTransactionReceipt|[\"0x1234\"]|32-byte hash",
            "eth_call|[{\"to\":\"0x12\"},\"latest\"]|argument 0.to must be an address",
            "eth_call|[{\"data\":\"0xabc\"},\"latest\"]|hex bytes",
            "eth_call|[\"0x00\"]|transaction call object",
            "eth_getBalance|[" + ADDRESS + ",{\"blockHash\":\"0x1\"}]|32-byte hash",
            "eth_getBalance|[" + ADDRESS + ",{\"blockNumber\":\"0x1\",\"blockHash\":" + HASH + "}]|exactly one",
            "eth_sendRawTransaction|[\"hello\"]|hex bytes",
            "eth_getLogs|[{\"topics\":[[\"0x1\"]]}]|32-byte hashes",
            "eth_getLogs|[{\"address\":[\"0x1\"]}]|an address",
            "eth_getLogs|[{\"blockHash\":" + HASH + ",\"fromBlock\":\"0x1\"}]|not both",
            "eth_feeHistory|[\"latest\",\"latest\"]|block count",
            "eth_feeHistory|[\"0x0\",\"latest\"]|at least 1",
            "eth_feeHistory|[\"0x4\",\"latest\",[90,10]]|increasing",
            "eth_getFilterChanges|[1]|hex number",
            "eth_getBalance|{\"address\":" + ADDRESS + "}|JSON array"})
    void wrongParamsAreInvalidParamsSayingWhatIsWrong(String method, String json, String why) {
        invalid(method, json, why);
    }

    @Test
    void wellFormedParamsPassUnchanged() throws Exception {
        for (String[] call : new String[][] {
                {"eth_getBalance", "[" + ADDRESS + ",\"latest\"]"},
                {"eth_getBalance", "[" + ADDRESS + "]"},
                {"eth_getBalance", "[" + ADDRESS + ",{\"blockHash\":" + HASH + ",\"requireCanonical\":true}]"},
                {"eth_call", "[{\"to\":" + ADDRESS + ",\"input\":\"0x70a08231\",\"from\":null,\"customField\":1},\"0x10\"]"},
                {"eth_getLogs", "[{\"fromBlock\":\"0x1\",\"toBlock\":\"0x64\",\"topics\":[null,[" + HASH + "]," + HASH + "]}]"},
                {"eth_getStorageAt", "[" + ADDRESS + ",\"0x0000000000000000000000000000000000000000000000000000000000000001\",\"latest\"]"},
                {"eth_newBlockFilter", "[]"},
                {"eth_uninstallFilter", "[\"0x0a\"]"},
                {"eth_getBlockReceipts", "[\"finalized\"]"},
                {"trace_block", "{\"anything\":1}"}}) {
            assertThat(params.parse(call[0], call[1]).toString()).as(call[0]).isEqualTo(new ObjectMapper().readTree(call[1]).toString());
        }
        assertThat(params.parse("eth_blockNumber", "null").toString()).isEqualTo("[]");
    }

    @Test
    void theNodeGetsTheCheckedTextItselfUnlessACheckRewroteIt() {
        String balance = "[" + ADDRESS + ", \"latest\"]";
        assertThat(params.check("eth_getBalance", balance).json()).isSameAs(balance);
        assertThat(params.check("eth_blockNumber", null).json()).isEqualTo("[]");
        assertThat(params.check("eth_blockNumber", "null").json()).isEqualTo("[]");
        assertThat(params.check("eth_feeHistory", "[\"0x10000\", \"latest\"]").json()).isEqualTo("[\"0x400\",\"latest\"]");
        // the text goes into the node's request as it is: anything after the one JSON value is refused
        invalid("eth_getBalance", "[" + ADDRESS + "], \"id\": 7", "JSON array or object");
        invalid("trace_block", "{\"a\":1} {\"b\":2}", "JSON array or object");
        // no method: the same refusal whatever the params (the streaming read leaves it to the tree's check)
        for (String json : new String[] {null, "[]", "[" + ADDRESS + ",\"latest\"]"}) {
            assertThatThrownBy(() -> params.check(null, json)).as(json).isInstanceOf(IllegalArgumentException.class).hasMessage("method is missing");
        }
    }

    /**
     * check() reads arrays of strings, booleans and nulls with the streaming parser, parse() with the tree
     * reader: for each of these, the same outcome (the same params, or the same error in the same words).
     */
    @Test
    void theStreamingReadOfScalarParamsDecidesAsTheTreeDoes() {
        String slot = "\"0x0000000000000000000000000000000000000000000000000000000000000001\"";
        for (String[] call : new String[][] {
                {"eth_getBalance", "[" + ADDRESS + ",\"latest\"]"},
                {"eth_getBalance", "[ " + ADDRESS + " , \"0x10\" ] "},
                {"eth_getBalance", "\t[\n" + ADDRESS + ",\r\"latest\"\n]\n"},
                {"eth_getBalance", "[" + ADDRESS + " \"latest\"]"},
                {"eth_getBalance", "[" + ADDRESS + ",]"},
                {"eth_getBalance", "[," + ADDRESS + "]"},
                {"eth_getBalance", "[" + ADDRESS + ",\"lat\u00e9st\"]"},
                {"eth_getBalance", "[" + ADDRESS + ",\"la\\\"test\"]"},
                {"eth_getBalance", "[" + ADDRESS + ",\"latest]"},
                {"eth_getBlockByNumber", "[\"latest\",truex]"},
                {"eth_getBlockByNumber", "[\"latest\",tru]"},
                {"eth_getBlockByNumber", "[\"latest\",nul]"},
                {"eth_getBlockByNumber", "[\"latest\",false]x"},
                {"eth_getBlockByNumber", "[\"latest\",false]]"},
                {"eth_getBlockByNumber", "[\"latest\" ,  true ]"},
                {"eth_getBlockByNumber", "[ ]"},
                {"eth_getBalance", "[" + ADDRESS + ",null]"},
                {"eth_getBalance", "[null]"},
                {"eth_getBalance", "[" + ADDRESS + ",\"latest\",\"latest\"]"},
                {"eth_getBalance", "[" + ADDRESS + ",\"latest\"] [1]"},
                {"eth_getBalance", "[" + ADDRESS + ",\"latest\"],"},
                {"eth_getBalance", "[" + ADDRESS + ",\"latest\""},
                {"eth_getBalance", "[" + ADDRESS + ",1]"},
                {"eth_getBalance", "[" + ADDRESS + ",\"0x01\"]"},
                {"eth_getBalance", "[\"0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266\"]"},
                {"eth_getBalance", "[\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226\\u0036\"]"},
                {"eth_getBalance", "[" + HASH + "]"},
                {"eth_getBalance", "[\"\"]"},
                {"eth_getBalance", "[true]"},
                {"eth_getTransactionCount", "[" + ADDRESS + ",\"pending\"]"},
                {"eth_getBlockByNumber", "[\"0x1b4\",false]"},
                {"eth_getBlockByNumber", "[\"finalized\",true]"},
                {"eth_getBlockByNumber", "[\"0x1b4\",\"false\"]"},
                {"eth_getBlockByNumber", "[\"0x1b4\",null]"},
                {"eth_getBlockByNumber", "[null,false]"},
                {"eth_getTransactionReceipt", "[" + HASH + "]"},
                {"eth_getTransactionReceipt", "[\"0x1234\"]"},
                {"eth_getStorageAt", "[" + ADDRESS + "," + slot + ",\"latest\"]"},
                {"eth_getStorageAt", "[" + ADDRESS + "]"},
                {"eth_sendRawTransaction", "[\"0x02f8\"]"},
                {"eth_sendRawTransaction", "[\"0x02f\"]"},
                {"eth_getLogs", "[\"0x1\"]"},
                {"eth_call", "[\"0x00\"]"},
                {"eth_feeHistory", "[\"0x10000\",\"latest\"]"},
                {"eth_blockNumber", "[\"latest\"]"},
                {"eth_uninstallFilter", "[\"0x0a\"]"},
                {"trace_block", "[\"0x1\"]"}}) {
            String method = call[0];
            String json = call[1];
            com.fasterxml.jackson.databind.JsonNode tree;
            try {
                tree = params.parse(method, json);
            } catch (NodeException e) {
                assertThatThrownBy(() -> params.check(method, json)).as(json).isInstanceOf(NodeException.class).hasMessage(e.getMessage());
                continue;
            }
            RelayParams.Checked checked = params.check(method, json);
            assertThat(checked.tree()).as(json).isEqualTo(tree);
            assertThat(checked.json()).as(json).isEqualTo(method.equals("eth_feeHistory") ? tree.toString() : json);
        }
    }

    @ParameterizedTest
    @CsvSource({"0x0,true", "0x1,true", "0xaBc,true", "0x01,false", "0x,false", "1x1,false", "0X1,false", "0x1g,false",
            "0x٣,false", "0x10000000000000000000000000000000000000000000000000000000000000000,false"})
    void quantitiesAreCheckedByHandAsTheirShapeSays(String text, boolean quantity) {
        assertThat(HexText.quantity(text)).as(text).isEqualTo(quantity);
        assertThat(HexText.data("0x")).isTrue();
        assertThat(HexText.data("0xabc")).isFalse();
        assertThat(HexText.digits("0x" + "a".repeat(40), 40, 40)).isTrue();
        assertThat(HexText.digits("0x" + "a".repeat(39), 40, 40)).isFalse();
    }

    @Test
    void feeHistoryBlockCountsAreClampedIncludingAnAddressAsCount() {
        assertThat(params.parse("eth_feeHistory", "[" + ADDRESS + ",\"latest\",[]]").get(0).asText()).isEqualTo("0x400");
        assertThat(params.parse("eth_feeHistory", "[5,\"latest\"]").get(0).asText()).isEqualTo("0x5");
        assertThat(params.parse("eth_feeHistory", "[\"0xffffffffffffffffffff\",\"0x10\"]").get(0).asText()).isEqualTo("0x400");
    }

    @Test
    void logRangesWiderThanAllowedAreRefusedWithTheAllowedRange() {
        invalid("eth_getLogs", "[{\"fromBlock\":\"0x1\",\"toBlock\":\"0x65\"}]",
                "block range of 101 blocks is wider than the 100 allowed (RPC_MAX_LOGS_BLOCK_RANGE); ask for at most 100 blocks");
        // open ends are sized against the best head (1000)
        invalid("eth_getLogs", "[{\"fromBlock\":\"earliest\"}]", "range of 1001 blocks");
        invalid("eth_newFilter", "[{\"fromBlock\":\"0x10\",\"toBlock\":\"latest\"}]", "range of 985 blocks");
        invalid("eth_getLogs", "[{\"fromBlock\":\"0x20\",\"toBlock\":\"0x10\"}]", "is after toBlock");
        assertThat(params.parse("eth_getLogs", "[{\"fromBlock\":\"0x3e8\"}]")).isNotNull();
        assertThat(params.parse("eth_getLogs", "[{\"fromBlock\":\"0x385\",\"toBlock\":\"latest\"}]")).isNotNull();
        assertThat(params.parse("eth_getLogs", "[{\"blockHash\":" + HASH + "}]")).isNotNull();
    }
}
