package com.dytallix.bootstrap.e2e;

import com.dytallix.adapters.node.AnvilProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** What the tests read from and do to anvil directly, bypassing the server: the chain is the referee. */
final class Chain {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AnvilProcess anvil;

    Chain(AnvilProcess anvil) {
        this.anvil = anvil;
    }

    /** The {@code result} of one call; an RPC error fails the test with anvil's message. */
    JsonNode call(String method, Object... params) {
        String body = anvil.rpc(method, json(List.of(params)));
        JsonNode answer;
        try {
            answer = JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("anvil answered " + method + " with non-JSON: " + body, e);
        }
        if (answer.has("error")) {
            throw new IllegalStateException(method + " failed: " + answer.get("error"));
        }
        return answer.get("result");
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    BigInteger balance(String address) {
        return quantity(call("eth_getBalance", address, "latest"));
    }

    long minedNonce(String address) {
        return quantity(call("eth_getTransactionCount", address, "latest")).longValueExact();
    }

    long pendingNonce(String address) {
        return quantity(call("eth_getTransactionCount", address, "pending")).longValueExact();
    }

    long height() {
        return quantity(call("eth_blockNumber")).longValueExact();
    }

    /** The receipt, or a JSON null while the transaction is not mined. */
    JsonNode receipt(String txHash) {
        return call("eth_getTransactionReceipt", txHash);
    }

    JsonNode transaction(String txHash) {
        return call("eth_getTransactionByHash", txHash);
    }

    void setBalance(String address, BigInteger wei) {
        call("anvil_setBalance", address, "0x" + wei.toString(16));
    }

    void setCode(String address, String code) {
        call("anvil_setCode", address, code);
    }

    void mine() {
        anvil.mine();
    }

    /** Every mined transaction sent by {@code from}, oldest first (scans all blocks: fine for a test chain). */
    List<JsonNode> transactionsFrom(String from) {
        List<JsonNode> found = new ArrayList<>();
        long height = height();
        for (long n = 0; n <= height; n++) {
            for (JsonNode tx : call("eth_getBlockByNumber", "0x" + Long.toHexString(n), true).get("transactions")) {
                if (tx.get("from").asText().equalsIgnoreCase(from)) {
                    found.add(tx);
                }
            }
        }
        return found;
    }

    static BigInteger quantity(JsonNode hex) {
        return new BigInteger(hex.asText().substring(2), 16);
    }
}
