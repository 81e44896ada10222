package com.dytallix.adapters.http;

import com.dytallix.application.FakeChain;
import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RpcHttpServiceTest {
    @RegisterExtension
    static final TestApi api = TestApi.start();
    @RegisterExtension
    final LogWarnings warnings = new LogWarnings();

    @BeforeEach
    void reset() {
        api.chain.calls.clear();
        api.chain.relay = TestApi.ANSWER;
    }

    private static TestApi.Reply rpc(String body) {
        return api.postJson("/api/rpc", body);
    }

    @Test
    void simpleFormAnswersTheResult() {
        var reply = rpc("{\"method\": \"eth_blockNumber\", \"params\": []}");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("{\"result\":\"0x10\"}");
        assertThat(api.chain.calls).containsExactly(new FakeChain.Call("eth_blockNumber", "[]"));

        assertThat(rpc("{\"method\": \"eth_blockNumber\"}").status()).isEqualTo(200);
        assertThat(api.chain.calls.getLast().paramsJson()).isEqualTo("[]");
    }

    @Test
    void theNodeGetsParamsReserialisedNotTheClientsBytes() {
        rpc("{\"method\":\"eth_getBalance\",\"params\":[ \"0xabc\" ,\n \"latest\" , {\"a\" : 1.50} ]}");
        assertThat(api.chain.calls.getLast().paramsJson()).isEqualTo("[\"0xabc\",\"latest\",{\"a\":1.50}]");
    }

    @Test
    void simpleFormMalformedRequestsAre400() {
        String[] bodies = {"{\"method\": 5}", "{\"params\": []}", "{\"method\": \"eth_blockNumber\", \"params\": \"x\"}",
            "{\"method\": \"eth_blockNumber\", \"id\": 1}", "\"eth_blockNumber\"", "{\"method\": \"eth_blockNumber\",}"};
        for (String body : bodies) {
            var reply = rpc(body);
            assertThat(reply.status()).as(body).isEqualTo(400);
            assertThat(reply.json().get("code").asText()).as(body).isEqualTo("INVALID_REQUEST");
        }
        assertThat(api.chain.calls).isEmpty();
    }

    @Test
    void duplicateMethodKeysAreRefusedNotResolved() {
        var reply = rpc("{\"method\": \"eth_blockNumber\", \"method\": \"eth_sendTransaction\", \"params\": []}");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("message").asText()).contains("duplicate key");
        var standard = rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"method\":\"personal_sign\"}");
        assertThat(standard.status()).isEqualTo(400);
        assertThat(standard.json().get("error").get("code").asInt()).isEqualTo(-32700);
        assertThat(standard.json().get("error").get("message").asText()).contains("duplicate key");
        assertThat(api.chain.calls).isEmpty();
    }

    @Test
    void methodsOffTheListAndCaseVariantsAreRefused() {
        // personal_sign and eth_sendTransaction are even configured: signing with the node's keys is never relayed
        for (String method : new String[] {"personal_sign", "Personal_sign", "ETH_SENDTRANSACTION", "eth_sendTransaction",
                "eth_BlockNumber", "eth_sign", "debug_traceTransaction", "admin_peers", "eth_blockNumber\u0000",
                "eth_blockNumber ", "x".repeat(200)}) {
            var reply = rpc("{\"method\": " + Json.MAPPER.valueToTree(method) + ", \"params\": []}");
            assertThat(reply.status()).as(method).isEqualTo(403);
            assertThat(reply.json().get("code").asText()).isEqualTo("RPC_METHOD_NOT_ALLOWED");
        }
        assertThat(api.chain.calls).isEmpty();
    }

    @Test
    void nodeErrorIs400WithTheNodesError() {
        api.chain.relay = FakeChain.failing(new NodeException(NodeFailure.RPC_ERROR, "execution reverted", 3,
                "\"0x08c379a0\"", null));
        var reply = rpc("{\"method\": \"eth_call\", \"params\": [{}, \"latest\"]}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("code").asText()).isEqualTo("RPC_ERROR");
        assertThat(reply.json().get("message").asText()).isEqualTo("the node returned an error");
        assertThat(reply.json().get("details").get("code").asInt()).isEqualTo(3);
        assertThat(reply.json().get("details").get("message").asText()).isEqualTo("execution reverted");
        assertThat(reply.json().get("details").get("data").asText()).isEqualTo("0x08c379a0");
    }

    @Test
    void theRelaysOwnRefusalsDoNotBlameTheNodeInTheSimpleForm() {
        api.chain.relay = FakeChain.failing(NodeException.refusedBeforeTheNode("invalid params: argument 0 must be an address", -32602));
        var refused = rpc("{\"method\": \"eth_call\", \"params\": [{}, \"latest\"]}");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("code").asText()).isEqualTo("RPC_ERROR");
        assertThat(refused.json().get("message").asText()).isEqualTo("the relay refused the call before it reached the node");
        assertThat(refused.json().get("details").get("code").asInt()).isEqualTo(-32602);
        assertThat(refused.json().get("details").get("message").asText()).isEqualTo("invalid params: argument 0 must be an address");

        api.chain.relay = FakeChain.failing(new NodeException(NodeFailure.RESPONSE_TOO_LARGE,
                "the node's answer to eth_getLogs is larger than 10 bytes (RPC_MAX_RESPONSE_BYTES)", -32000, null, null));
        var tooLarge = rpc("{\"method\": \"eth_call\", \"params\": [{}, \"latest\"]}");
        assertThat(tooLarge.status()).isEqualTo(400);
        assertThat(tooLarge.json().get("message").asText()).isEqualTo("the node's answer is too large to relay");
        assertThat(tooLarge.json().get("details").get("message").asText()).contains("RPC_MAX_RESPONSE_BYTES");
    }

    /**
     * The node's error data reaches the client as the node wrote it, in a single answer, a batch and
     * the simple form. Fails on the code before, which re-serialised it through a tree (1.5, 100.0,
     * "café", keys sorted by nothing but spacing lost) or turned a number it could not hold into a string.
     */
    @Test
    void aNodeErrorsDataIsPassedOnAsTheNodesBytes() {
        for (String data : new String[] {"{\"z\":[1.50,-0.0,1E+2,{\"b\":null}],\"a\":123456789012345678901234567890,"
                + "\"s\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\/\" , \"n\" : 7 }", "{\"n\":1e999999999}", "\"0x08c379a0\"",
                "[1,[2,[3]]]", "-12.500"}) {
            api.chain.relay = FakeChain.failing(new NodeException(NodeFailure.RPC_ERROR, "execution reverted", 3, data, null));
            var standard = rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{},\"latest\"]}");
            assertThat(standard.status()).isEqualTo(200);
            assertThat(standard.body()).as(data).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":3,"
                    + "\"message\":\"execution reverted\",\"data\":" + data + "}}");
            var batch = rpc("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{},\"latest\"]},"
                    + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_call\",\"params\":[{},\"latest\"]}]");
            assertThat(batch.body()).as(data).contains("\"id\":2,\"error\":{\"code\":3,\"message\":\"execution reverted\",\"data\":" + data + "}}");
            var simple = rpc("{\"method\": \"eth_call\", \"params\": [{}, \"latest\"]}");
            assertThat(simple.status()).isEqualTo(400);
            assertThat(simple.body()).as(data).contains("\"data\":" + data + "}");
        }
    }

    /** Data that is not one JSON value (no node sends it; a fake could) goes out as a JSON string, never broken JSON. */
    @Test
    void aNodeErrorsDataThatIsNotJsonIsPassedOnAsText() {
        for (String data : new String[] {"not json", "{\"a\":1} trailing", "{\"a\":"}) {
            api.chain.relay = FakeChain.failing(new NodeException(NodeFailure.RPC_ERROR, "execution reverted", 3, data, null));
            var standard = rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{},\"latest\"]}");
            assertThat(standard.status()).isEqualTo(200);
            assertThat(standard.json().get("error").get("data").asText()).isEqualTo(data);
        }
    }

    @Test
    void timeoutIs504AndLogsRpcTimeout() {
        List<String> lines = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                String text = r.getMessage();
                if (r.getParameters() != null) {
                    text = java.text.MessageFormat.format(text, r.getParameters());
                }
                lines.add(text);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(HttpEdge.class.getName());
        logger.addHandler(capture);
        try {
            api.chain.relay = FakeChain.failing(new NodeException(NodeFailure.TIMEOUT, "deadline"));
            var simple = rpc("{\"method\": \"eth_blockNumber\"}");
            assertThat(simple.status()).isEqualTo(504);
            assertThat(simple.json().get("code").asText()).isEqualTo("RPC_TIMEOUT");

            var standard = rpc("{\"jsonrpc\":\"2.0\",\"id\":\"t-1\",\"method\":\"eth_blockNumber\"}");
            assertThat(standard.status()).isEqualTo(504);
            assertThat(standard.json().get("id").asText()).isEqualTo("t-1");
            assertThat(standard.json().get("error").get("code").asInt()).isEqualTo(JsonRpcRelay.NODE_UNAVAILABLE);
            assertThat(standard.json().get("error").get("data").get("code").asText()).isEqualTo("RPC_TIMEOUT");
        } finally {
            logger.removeHandler(capture);
        }
        assertThat(lines).filteredOn(l -> l.contains("RPC_TIMEOUT")).hasSize(2);
    }

    /**
     * A batch whose items the node cannot take is one warning with their count, not one per item: a client sending
     * batches while the node is busy wrote a hundred alike lines per request (2,032 from 70 batches, round 22).
     */
    @Test
    void aBatchOfFailedItemsIsOneWarningLineWithTheirCount() {
        api.chain.relay = FakeChain.failing(new NodeException(NodeFailure.OVERLOADED, "too many node calls in flight"));
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 5; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"jsonrpc\":\"2.0\",\"id\":").append(i)
                    .append(",\"method\":\"eth_getBalance\",\"params\":[\"0x").append(String.valueOf(i).repeat(40)).append("\",\"latest\"]}");
        }
        var reply = rpc(batch.append("]").toString());

        assertThat(reply.json()).hasSize(5).allSatisfy(item ->
                assertThat(item.path("error").path("data").path("code").asText()).isEqualTo("NODE_UNAVAILABLE"));
        assertThat(warnings.records()).as(warnings.describe()).hasSize(1);
        assertThat(warnings.describe()).contains("NODE_UNAVAILABLE 503: 5 of 5 batch items: ");
    }

    @Test
    void unreachableIs502AndOverloadedIs503WithRetryAfter() {
        api.chain.relay = FakeChain.failing(new NodeException(NodeFailure.UNREACHABLE, "connection refused"));
        assertThat(rpc("{\"method\": \"eth_blockNumber\"}").status()).isEqualTo(502);
        api.chain.relay = FakeChain.failing(new NodeException(NodeFailure.BAD_RESPONSE, "not json"));
        assertThat(rpc("{\"method\": \"eth_blockNumber\"}").json().get("code").asText()).isEqualTo("NODE_UNAVAILABLE");

        api.chain.relay = FakeChain.failing(new NodeException(NodeFailure.OVERLOADED, "busy"));
        var overloaded = rpc("{\"method\": \"eth_blockNumber\"}");
        assertThat(overloaded.status()).isEqualTo(503);
        assertThat(overloaded.header("Retry-After")).isPresent();
        var standard = rpc("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_blockNumber\"}");
        assertThat(standard.status()).isEqualTo(503);
        assertThat(standard.header("Retry-After")).isPresent();
        assertThat(standard.json().get("error").get("code").asInt()).isEqualTo(JsonRpcRelay.LIMIT_EXCEEDED);
    }

    @Test
    void standardFormParamsGoOnAsTheyWereReadWholeAndAnIdRoundTripsWhateverItHolds() {
        String params = "[ \"0x\\u0061bc\" ,\n \"latest\" , {\"a\" : [1, -2, true, null, {}], \"b\": \"\u00e9\"} ]";
        String body = "{ \"id\" : \"a\\\"b\\u00e9\\n\" , \"method\":\"eth_getBalance\",\"params\":" + params
                + ", \"jsonrpc\":\"2.0\", \"extra\": {\"x\": [1]}}";
        assertThat(JsonRpcRelay.Call.read(body.getBytes(StandardCharsets.UTF_8))).as("read without a tree").isNotNull();
        var reply = rpc(body);
        assertThat(reply.status()).isEqualTo(200);
        // the one JSON value the parser read, as the client spaced and escaped it: the same value the tree holds
        assertThat(api.chain.calls.getLast().paramsJson()).isEqualTo(params);
        assertThat(reply.json().get("id").asText()).isEqualTo("a\"b\u00e9\n");
        assertThat(reply.json().get("result").asText()).isEqualTo("0x10");

        // a fraction or an exponent anywhere is read by the tree, which bounds it as before
        String hugeBody = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"extra\":[1e999999999]}";
        assertThat(JsonRpcRelay.Call.read(hugeBody.getBytes(StandardCharsets.UTF_8))).isNull();
        var huge = rpc(hugeBody);
        assertThat(huge.status()).isEqualTo(400);
        // a JSON-RPC parse error, as for any other body the relay cannot read, never the REST envelope
        assertThat(huge.body()).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error: a number is out of range\"}}");
        assertThat(rpc("{\"jsonrpc\":\"2.0\",\"id\":1e999999,\"method\":\"eth_chainId\"}").json().path("error").path("code").asInt()).isEqualTo(-32700);
        // the simple form is not JSON-RPC: its refusal stays the contract's envelope
        var simple = rpc("{\"method\":\"eth_chainId\",\"n\":1e999999}");
        assertThat(simple.status()).isEqualTo(400);
        assertThat(simple.json().get("message").asText()).contains("out of range");
    }

    @Test
    void paramsAreTakenToTheirOwnEndWhateverTheirStringsHold() {
        // brackets, braces, quotes and backslashes inside strings do not end the params; what follows them is not sent
        String[] paramsOf = {"[\"]\",\"}\"]", "[\"\\\"]\", {\"[\":\"\\\\\"}]", "{\"a\":[[[\"]]]\"]]]}", "[]", "[ ]", "[\"\u00e9\u20ac\ud83d\ude00\"]",
            "[{\"data\":\"0x\\/\\b\\f\\u0000\"}]"};
        for (String params : paramsOf) {
            var reply = rpc("{\"jsonrpc\":\"2.0\",\"method\":\"eth_call\",\"params\":" + params + ",\"id\":7}");
            assertThat(reply.status()).as(params).isEqualTo(200);
            assertThat(api.chain.calls.getLast().paramsJson()).as(params).isEqualTo(params);
            assertThat(reply.body()).as(params).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x10\"}");
        }
    }

    @Test
    void paramsThatAreNotWholeJsonAreRefusedAsBeforeAndNothingIsSent() {
        String start = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":";
        byte[] badUtf8 = (start + "[\"0x\u00e9\"]}").getBytes(StandardCharsets.UTF_8);
        badUtf8[badUtf8.length - 4] = (byte) 0xff; // the second byte of the é: not UTF-8 any more
        for (byte[] body : List.of(badUtf8, (start + "[{\"to\":\"0x1\",\"to\":\"0x2\"}]}").getBytes(StandardCharsets.UTF_8),
                (start + "[\"a\"]]}").getBytes(StandardCharsets.UTF_8), (start + "[\"a\" \"b\"]}").getBytes(StandardCharsets.UTF_8),
                (start + "[\"a\nb\"]}").getBytes(StandardCharsets.UTF_8), (start + "[\"a\"}").getBytes(StandardCharsets.UTF_8))) {
            String shown = new String(body, StandardCharsets.UTF_8);
            assertThat(JsonRpcRelay.Call.read(body)).as(shown).isNull();
            var reply = api.postJson("/api/rpc", body);
            assertThat(reply.status()).as(shown).isEqualTo(400);
            assertThat(reply.json().get("error").get("code").asInt()).as(shown).isEqualTo(-32700);
        }
        assertThat(api.chain.calls).isEmpty();
    }

    @Test
    void standardFormPreservesIdsExactly() {
        for (String id : new String[] {"1", "\"abc\"", "null", "12345678901234567890", "1.50", "\"\"", "-3"}) {
            var reply = rpc("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"eth_blockNumber\",\"params\":[]}");
            assertThat(reply.status()).as(id).isEqualTo(200);
            assertThat(reply.body()).as(id).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":\"0x10\"}");
        }
    }

    @Test
    void anIdHoldingLoneSurrogatesComesBackAsSentNotAsQuestionMarks() throws Exception {
        // UTF-8 cannot carry a lone surrogate, so it must go back escaped; a pair stays the same character
        for (String id : new String[] {"\"\\ud800\"", "\"a\\udfffb\"", "\"\\ud83d\\ude00\"", "\"\uD83D\uDE00\""}) {
            String request = "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"eth_blockNumber\",\"params\":[]}";
            String expected = Json.MAPPER.readTree("[" + id + "]").get(0).textValue();
            var single = rpc(request);
            assertThat(single.status()).as(id).isEqualTo(200);
            assertThat(single.body()).as(id).doesNotContain("?");
            assertThat(single.json().get("id").textValue()).as(id).isEqualTo(expected);
            var batch = rpc("[" + request + "]");
            assertThat(batch.json().get(0).get("id").textValue()).as(id).isEqualTo(expected);
            var refused = rpc(request.replace("eth_blockNumber", "eth_sign"));
            assertThat(refused.json().get("id").textValue()).as(id).isEqualTo(expected);
        }
    }

    @Test
    void jsonNestedTooDeeplyIsSaidSoNotCalledMalformed() {
        String deep = "[".repeat(1001) + "]".repeat(1001);
        var standard = rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":" + deep + "}");
        assertThat(standard.status()).isEqualTo(400);
        assertThat(standard.json().get("error").get("code").asInt()).isEqualTo(-32700);
        assertThat(standard.json().get("error").get("message").asText()).isEqualTo("Parse error: nested more than 1000 levels deep");
        var simple = rpc("{\"method\":\"eth_call\",\"params\":" + deep + "}");
        assertThat(simple.status()).isEqualTo(400);
        assertThat(simple.json().get("code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(simple.json().get("message").asText()).contains("nested more than 1000 levels deep");
        var longNumber = rpc("{\"jsonrpc\":\"2.0\",\"id\":" + "1".repeat(1001) + ",\"method\":\"eth_chainId\"}");
        assertThat(longNumber.json().get("error").get("message").asText()).isEqualTo("Parse error: a number longer than 1000 digits");
        assertThat(api.chain.calls).isEmpty();
    }

    @Test
    void standardFormErrorsAreJsonRpcErrorObjects() {
        var disallowed = rpc("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"eth_sendTransaction\",\"params\":[{}]}");
        assertThat(disallowed.status()).isEqualTo(200);
        assertThat(disallowed.json().get("id").asInt()).isEqualTo(9);
        assertThat(disallowed.json().get("error").get("code").asInt()).isEqualTo(-32601);
        assertThat(disallowed.json().get("error").get("message").asText())
                .isEqualTo("the method eth_sendTransaction does not exist/is not available");

        api.chain.relay = FakeChain.failing(new NodeException(NodeFailure.RPC_ERROR, "execution reverted", 3,
                "\"0x08c379a0\"", null));
        var reverted = rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{},\"latest\"]}");
        assertThat(reverted.status()).isEqualTo(200);
        assertThat(reverted.json().get("error").get("code").asInt()).isEqualTo(3);
        assertThat(reverted.json().get("error").get("data").asText()).isEqualTo("0x08c379a0");

        for (String bad : new String[] {"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"eth_blockNumber\"}",
                "{\"jsonrpc\":2.0,\"id\":1,\"method\":\"eth_blockNumber\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":\"x\"}"}) {
            var reply = rpc(bad);
            assertThat(reply.status()).as(bad).isEqualTo(200);
            assertThat(reply.json().get("id").asInt()).as(bad).isEqualTo(1);
            assertThat(reply.json().get("error").get("code").asInt()).as(bad).isEqualTo(-32600);
        }
        var badId = rpc("{\"jsonrpc\":\"2.0\",\"id\":{\"x\":1},\"method\":\"eth_blockNumber\"}");
        assertThat(badId.json().get("id").isNull()).isTrue();
        assertThat(badId.json().get("error").get("code").asInt()).isEqualTo(-32600);
    }

    @Test
    void notificationsAreForwardedButNotAnswered() {
        var single = rpc("{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\"}");
        assertThat(single.status()).isEqualTo(204);
        assertThat(single.body()).isEmpty();
        var batch = rpc("[{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\"},{\"jsonrpc\":\"2.0\",\"method\":\"eth_chainId\"}]");
        assertThat(batch.status()).isEqualTo(204);
        assertThat(batch.body()).isEmpty();
        assertThat(api.chain.calls).extracting(FakeChain.Call::method)
                .containsExactlyInAnyOrder("eth_blockNumber", "eth_blockNumber", "eth_chainId");
    }

    @Test
    void batchAnswersEachItemWithItsIdAndRefusesHiddenMethods() {
        api.chain.relay = (method, params) -> "\"" + method + "\"";
        var reply = rpc("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\"},"
                + "{\"jsonrpc\":\"2.0\",\"id\":\"two\",\"method\":\"Personal_sign\",\"params\":[\"0x00\",\"0x01\"]},"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"eth_getBalance\",\"params\":[\"0x00\",\"latest\"]},"
                + "42,"
                + "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"eth_sendTransaction\",\"params\":[{}]}]");

        assertThat(reply.status()).isEqualTo(200);
        JsonNode out = reply.json();
        assertThat(out).hasSize(4);
        assertThat(out.get(0).get("id").asInt()).isEqualTo(1);
        assertThat(out.get(0).get("result").asText()).isEqualTo("eth_blockNumber");
        assertThat(out.get(1).get("id").asText()).isEqualTo("two");
        assertThat(out.get(1).get("error").get("code").asInt()).isEqualTo(-32601);
        assertThat(out.get(2).get("id").isNull()).isTrue();
        assertThat(out.get(2).get("error").get("code").asInt()).isEqualTo(-32600);
        assertThat(out.get(3).get("id").isNull()).isTrue();
        assertThat(out.get(3).get("error").get("code").asInt()).isEqualTo(-32601);
        assertThat(api.chain.calls).extracting(FakeChain.Call::method)
                .containsExactlyInAnyOrder("eth_blockNumber", "eth_getBalance");
    }

    @Test
    void batchItemFailuresStayInTheirItem() {
        api.chain.relay = (method, params) -> {
            if (method.equals("eth_call")) {
                throw new NodeException(NodeFailure.TIMEOUT, "deadline");
            }
            return "\"ok\"";
        };
        var reply = rpc("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[]},"
                + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_blockNumber\"}]");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get(0).get("error").get("data").get("code").asText()).isEqualTo("RPC_TIMEOUT");
        assertThat(reply.json().get(1).get("result").asText()).isEqualTo("ok");
    }

    @Test
    void emptyAndOversizedBatchesAreOneInvalidRequestError() {
        var empty = rpc("[]");
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.json().isObject()).isTrue();
        assertThat(empty.json().get("id").isNull()).isTrue();
        assertThat(empty.json().get("error").get("code").asInt()).isEqualTo(-32600);

        String item = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\"}";
        var big = rpc("[" + String.join(",", java.util.Collections.nCopies(api.options.maxBatch + 1, item)) + "]");
        assertThat(big.json().get("error").get("code").asInt()).isEqualTo(-32600);
        assertThat(big.json().get("error").get("message").asText()).contains("limit of " + api.options.maxBatch);
        assertThat(api.chain.calls).isEmpty();

        var full = rpc("[" + String.join(",", java.util.Collections.nCopies(api.options.maxBatch, item)) + "]");
        assertThat(full.json()).hasSize(api.options.maxBatch);
    }

    @Test
    void postIsTheRelayGetTheWebSocketAndNothingElseIsRouted() {
        var put = api.send("PUT", "/api/rpc", "{}", "Content-Type", "application/json");
        assertThat(put.status()).isEqualTo(405);
        assertThat(put.header("Allow")).contains("POST, GET, HEAD, OPTIONS");
        assertThat(api.get("/api/rpc").status()).isEqualTo(426);
    }

    @Test
    void malformedJsonRpcIsAParseErrorAndOtherMalformedBodiesGetTheEnvelope() {
        for (String body : new String[] {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\"", "[{\"jsonrpc\":\"2.0\",", " [1,,2]"}) {
            var reply = rpc(body);
            assertThat(reply.status()).as(body).isEqualTo(400);
            assertThat(reply.json().get("jsonrpc").asText()).isEqualTo("2.0");
            assertThat(reply.json().get("id").isNull()).isTrue();
            assertThat(reply.json().get("error").get("code").asInt()).as(body).isEqualTo(-32700);
        }
        var simple = rpc("{\"method\": \"eth_blockNumber\",");
        assertThat(simple.status()).isEqualTo(400);
        assertThat(simple.json().get("code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(api.chain.calls).isEmpty();
    }

    @Test
    void nullParamsAreNoParams() {
        var reply = rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":null}");
        assertThat(reply.json().get("result").asText()).isEqualTo("0x10");
        assertThat(api.chain.calls.getLast().paramsJson()).isEqualTo("[]");
    }

    @Test
    void refusedMethodsAreWordedAsNodesWordThem() {
        var standard = rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"debug_traceCall\",\"params\":[]}");
        assertThat(standard.json().get("error").get("code").asInt()).isEqualTo(-32601);
        assertThat(standard.json().get("error").get("message").asText()).isEqualTo("the method debug_traceCall does not exist/is not available");
        var simple = rpc("{\"method\":\"eth_sign\",\"params\":[]}");
        assertThat(simple.status()).isEqualTo(403);
        assertThat(simple.json().get("message").asText()).isEqualTo("the method eth_sign does not exist/is not available");
        var unprintable = rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_x\\u0000\"}");
        assertThat(unprintable.json().get("error").get("message").asText()).isEqualTo("the method does not exist/is not available");
    }

    @Test
    void ethAccountsIsAnsweredByTheRelayAsAnEmptyList() {
        var reply = rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_accounts\",\"params\":[]}");
        assertThat(reply.body()).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[]}");
        assertThat(api.chain.calls).isEmpty();
    }
}
