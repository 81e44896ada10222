package com.dytallix.adapters.node;

import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.sync.BlockReader;
import com.dytallix.domain.sync.ChainLog;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.dytallix.domain.sync.NodeRelay;
import com.dytallix.domain.sync.RawJson;
import java.io.IOException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Headers and logs for the subscription feed, read through any node's relay call (the nodes of
 * RPC_URL or the dev chain) with {@code eth_getBlockByNumber} and {@code eth_getLogs} by block hash.
 * Answers of the wrong shape are the node's failure ({@link NodeFailure#BAD_RESPONSE}).
 */
public final class NodeBlockReader implements BlockReader {
    private static final ObjectMapper JSON = NodeJson.mapper();
    private static final Pattern HASH = Pattern.compile("0x[0-9a-fA-F]{64}");
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
    private static final Pattern DATA = Pattern.compile("0x([0-9a-fA-F]{2})*");
    /** What a block has and a header does not: a newHeads notification carries the header only. */
    private static final List<String> NOT_HEADER = List.of("transactions", "uncles", "withdrawals", "size", "totalDifficulty");

    private final NodeRelay node;

    public NodeBlockReader(NodeRelay node) {
        this.node = node;
    }

    @Override
    public BlockReader onFreshestNode() {
        return new NodeBlockReader(node.freshest());
    }

    @Override
    public BlockHeader latestHeader() {
        return header("latest").orElseThrow(() -> bad("the node has no latest block"));
    }

    @Override
    public Optional<BlockHeader> header(long number) {
        return header(Quantity.hex(number));
    }

    private Optional<BlockHeader> header(String tag) {
        JsonNode block = read(node.call("eth_getBlockByNumber", "[\"" + tag + "\",false]"));
        if (block.isNull()) {
            return Optional.empty();
        }
        if (!block.isObject()) {
            throw bad("eth_getBlockByNumber answered with something other than a block");
        }
        ObjectNode header = ((ObjectNode) block).deepCopy();
        header.remove(NOT_HEADER);
        return Optional.of(new BlockHeader(quantity(block, "number"), hash(block, "hash"), hash(block, "parentHash"), write(header)));
    }

    @Override
    public List<ChainLog> logs(String blockHash) {
        ObjectNode filter = JSON.createObjectNode().put("blockHash", blockHash);
        JsonNode answer = read(node.call("eth_getLogs", write(JSON.createArrayNode().add(filter))));
        if (!answer.isArray()) {
            throw bad("eth_getLogs answered with something other than a list");
        }
        List<ChainLog> logs = new ArrayList<>(answer.size());
        for (JsonNode log : answer) {
            List<String> topics = new ArrayList<>();
            for (JsonNode topic : log.path("topics")) {
                topics.add(matching(topic, HASH, "topic"));
            }
            logs.add(new ChainLog(matching(log.path("address"), ADDRESS, "address"), topics,
                    matching(log.path("data"), DATA, "data"), quantity(log, "blockNumber"), hash(log, "blockHash"),
                    hash(log, "transactionHash"), quantity(log, "transactionIndex"), quantity(log, "logIndex"),
                    log.path("removed").asBoolean(false)));
        }
        return logs;
    }

    private static long quantity(JsonNode object, String field) {
        try {
            return Quantity.parse(object.path(field).asText(null)).longValueExact();
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw bad(field + " is not a quantity");
        }
    }

    private static String hash(JsonNode object, String field) {
        return matching(object.path(field), HASH, field);
    }

    private static String matching(JsonNode value, Pattern shape, String field) {
        if (!value.isTextual() || !shape.matcher(value.asText()).matches()) {
            throw bad(field + " has the wrong shape");
        }
        return value.asText().toLowerCase(Locale.ROOT);
    }

    private static JsonNode read(RawJson json) {
        try {
            return JSON.readTree(json.bytes(), json.offset(), json.length());
        } catch (IOException e) {
            throw bad("the answer is not JSON");
        }
    }

    private static String write(JsonNode tree) {
        try {
            return JSON.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    private static NodeException bad(String why) {
        return new NodeException(NodeFailure.BAD_RESPONSE, "block feed: " + why);
    }
}
