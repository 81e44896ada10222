package com.dytallix.adapters.node;

import com.dytallix.domain.sync.NodeException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The params of a relayed call, checked against the method's JSON-RPC schema before anything
 * reaches a node: quantities, block tags, hashes, addresses, byte strings, call and filter objects,
 * and sizes. A wrong param is "invalid params" (-32602) with what is wrong; counts such as
 * {@code eth_feeHistory}'s block count are clamped to what nodes serve (an address as block count
 * once crashed anvil). {@code eth_getLogs} and {@code eth_newFilter} wider than
 * RPC_MAX_LOGS_BLOCK_RANGE are refused with the allowed range in the message. Methods without a
 * schema here (an operator may allow more) only need params to be an array or an object.
 */
final class RelayParams {
    static final int INVALID_PARAMS = -32602;
    /** RPC_MAX_LOGS_BLOCK_RANGE's default. */
    static final int DEFAULT_MAX_LOGS_BLOCK_RANGE = 10_000;
    /** What nodes serve at most for eth_feeHistory's block count. */
    static final int MAX_FEE_HISTORY_BLOCKS = 1024;
    private static final int MAX_PERCENTILES = 100;
    private static final int MAX_STORAGE_KEYS = 1000;
    private static final int MAX_FILTER_ADDRESSES = 1000;
    private static final int MAX_TOPICS = 4;
    private static final int MAX_TOPIC_ALTERNATIVES = 1000;

    /** The hex shapes a param may take; LOOSE_QUANTITY (storage slots, filter ids): some clients send leading zeros, nodes accept them. */
    private enum Shape {
        QUANTITY, LOOSE_QUANTITY, HASH, ADDRESS, DATA;

        boolean fits(String s) {
            return switch (this) {
                case QUANTITY -> HexText.quantity(s);
                case LOOSE_QUANTITY -> HexText.digits(s, 1, 64);
                case HASH -> HexText.digits(s, 64, 64);
                case ADDRESS -> HexText.digits(s, 40, 40);
                case DATA -> HexText.data(s);
            };
        }
    }

    private static final Set<String> TAGS = Set.of("latest", "earliest", "pending", "safe", "finalized");

    private enum Kind { QUANTITY, BLOCK, BLOCK_OR_HASH, HASH, ADDRESS, DATA, BOOL, CALL, FILTER, OBJECT, SLOT, SLOTS, FILTER_ID, COUNT, PERCENTILES }

    /** One method's params: the kinds in order, and how many of them are required. */
    private record Schema(int required, List<Kind> kinds) {
    }

    private static final Map<String, Schema> SCHEMAS = Map.ofEntries(
            none("eth_chainId"), none("net_version"), none("net_listening"), none("net_peerCount"),
            none("web3_clientVersion"), none("eth_blockNumber"), none("eth_gasPrice"), none("eth_maxPriorityFeePerGas"),
            none("eth_syncing"), none("eth_protocolVersion"), none("eth_accounts"), none("eth_blobBaseFee"),
            none("eth_newBlockFilter"), none("eth_newPendingTransactionFilter"),
            schema("web3_sha3", 1, Kind.DATA),
            schema("eth_getBalance", 1, Kind.ADDRESS, Kind.BLOCK_OR_HASH),
            schema("eth_getTransactionCount", 1, Kind.ADDRESS, Kind.BLOCK_OR_HASH),
            schema("eth_getCode", 1, Kind.ADDRESS, Kind.BLOCK_OR_HASH),
            schema("eth_getStorageAt", 2, Kind.ADDRESS, Kind.SLOT, Kind.BLOCK_OR_HASH),
            schema("eth_call", 1, Kind.CALL, Kind.BLOCK_OR_HASH, Kind.OBJECT, Kind.OBJECT),
            schema("eth_estimateGas", 1, Kind.CALL, Kind.BLOCK_OR_HASH, Kind.OBJECT),
            schema("eth_createAccessList", 1, Kind.CALL, Kind.BLOCK_OR_HASH),
            schema("eth_feeHistory", 2, Kind.COUNT, Kind.BLOCK, Kind.PERCENTILES),
            schema("eth_getBlockByNumber", 1, Kind.BLOCK, Kind.BOOL),
            schema("eth_getBlockByHash", 1, Kind.HASH, Kind.BOOL),
            schema("eth_getBlockReceipts", 1, Kind.BLOCK_OR_HASH),
            schema("eth_getBlockTransactionCountByNumber", 1, Kind.BLOCK),
            schema("eth_getBlockTransactionCountByHash", 1, Kind.HASH),
            schema("eth_getUncleCountByBlockNumber", 1, Kind.BLOCK),
            schema("eth_getUncleCountByBlockHash", 1, Kind.HASH),
            schema("eth_getTransactionByHash", 1, Kind.HASH),
            schema("eth_getTransactionReceipt", 1, Kind.HASH),
            schema("eth_getTransactionByBlockNumberAndIndex", 2, Kind.BLOCK, Kind.QUANTITY),
            schema("eth_getTransactionByBlockHashAndIndex", 2, Kind.HASH, Kind.QUANTITY),
            schema("eth_getProof", 3, Kind.ADDRESS, Kind.SLOTS, Kind.BLOCK_OR_HASH),
            schema("eth_getLogs", 1, Kind.FILTER),
            schema("eth_newFilter", 1, Kind.FILTER),
            schema("eth_getFilterChanges", 1, Kind.FILTER_ID),
            schema("eth_getFilterLogs", 1, Kind.FILTER_ID),
            schema("eth_uninstallFilter", 1, Kind.FILTER_ID),
            schema("eth_sendRawTransaction", 1, Kind.DATA));

    /** Argument labels for messages, made once: the check runs on every relayed call. */
    private static final String[] ARGUMENT = {"argument 0", "argument 1", "argument 2", "argument 3"};

    private final ObjectMapper json;
    /** One JSON value and nothing after it: the checked text goes to the node as it is. */
    private final ObjectReader strict;
    private final int maxLogsBlockRange;
    private final LongSupplier bestHead;

    /**
     * @param maxLogsBlockRange RPC_MAX_LOGS_BLOCK_RANGE
     * @param bestHead          the newest block number known, to size a range that ends at "latest"
     */
    RelayParams(ObjectMapper json, int maxLogsBlockRange, LongSupplier bestHead) {
        this.json = json;
        this.strict = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.maxLogsBlockRange = maxLogsBlockRange;
        this.bestHead = bestHead;
    }

    private static Map.Entry<String, Schema> none(String method) {
        return Map.entry(method, new Schema(0, List.of()));
    }

    private static Map.Entry<String, Schema> schema(String method, int required, Kind... kinds) {
        return Map.entry(method, new Schema(required, List.of(kinds)));
    }

    /**
     * Params checked for their method: the tree, and the JSON text the node gets (the caller's own
     * text unless a check rewrote a value).
     */
    record Checked(JsonNode tree, String json) {
    }

    /** The params checked for the method; {@code eth_feeHistory}'s count comes back clamped. */
    Checked check(String method, String paramsJson) {
        Checked scalars = scalars(method, paramsJson);
        if (scalars != null) {
            return scalars;
        }
        JsonNode tree = parse(method, paramsJson);
        boolean asGiven = paramsJson != null && !paramsJson.isBlank() && !method.equals("eth_feeHistory") && !tree.isEmpty();
        // no params, the most frequent case, needs no JSON writer
        return new Checked(tree, asGiven ? paramsJson : tree.isArray() && tree.isEmpty() ? "[]" : tree.toString());
    }

    /**
     * The most frequent params, a non-empty array of strings, booleans and nulls for a method with a
     * schema (a balance, a nonce, a block by number, a receipt), read with the streaming parser: the
     * same checks on the same values as {@link #parse}, without the tree reader's machinery, which was
     * most of the check's cost. Null whenever {@link #parse} must decide: anything else in the array
     * (an object, an array, a number), a value the checks refuse (so the error is worded there, in the
     * same order), text that is not one JSON array alone, {@code eth_feeHistory} (its count is
     * rewritten), no method or one without a schema.
     */
    private Checked scalars(String method, String paramsJson) {
        if (method == null || paramsJson == null || paramsJson.length() < 3 || paramsJson.charAt(0) != '[' || method.equals("eth_feeHistory")) {
            return null;
        }
        Schema schema = SCHEMAS.get(method);
        if (schema == null) {
            return null;
        }
        int max = schema.kinds().size();
        ArrayNode list = json.createArrayNode();
        try (JsonParser p = json.createParser(paramsJson)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                return null;
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (list.size() == max) {
                    return null; // too many: parse words it
                }
                JsonNode value = switch (t) {
                    case VALUE_STRING -> json.getNodeFactory().textNode(p.getText());
                    case VALUE_TRUE -> BooleanNode.TRUE;
                    case VALUE_FALSE -> BooleanNode.FALSE;
                    case VALUE_NULL -> NullNode.instance;
                    default -> null;
                };
                if (value == null) {
                    return null;
                }
                int i = list.size();
                if (!(value.isNull() && i >= schema.required())) {
                    check(schema.kinds().get(i), value, ARGUMENT[i]);
                }
                list.add(value);
            }
            if (list.isEmpty() || list.size() < schema.required() || p.nextToken() != null) {
                return null;
            }
        } catch (IOException | NodeException e) {
            return null; // parse reads it again and words what is wrong
        }
        return new Checked(list, paramsJson);
    }

    /** The params as JSON, checked for the method; {@code eth_feeHistory}'s count comes back clamped. */
    JsonNode parse(String method, String paramsJson) {
        if (method == null || method.isBlank()) {
            throw new IllegalArgumentException("method is missing");
        }
        JsonNode params;
        try {
            // no params, the most frequent case, needs no parser
            params = paramsJson == null || paramsJson.isBlank() || paramsJson.equals("[]") ? json.createArrayNode() : strict.readTree(paramsJson);
        } catch (JsonProcessingException e) {
            throw invalid("params must be a JSON array or object");
        }
        if (params == null || params.isNull() || params.isMissingNode()) {
            return json.createArrayNode();
        }
        if (!params.isArray() && !params.isObject()) {
            throw invalid("params must be a JSON array or object");
        }
        Schema schema = SCHEMAS.get(method);
        if (schema == null) {
            return params;
        }
        if (!params.isArray()) {
            throw invalid(method + " takes its params as a JSON array");
        }
        ArrayNode list = (ArrayNode) params;
        if (list.size() > schema.kinds().size()) {
            throw invalid("too many arguments, want at most " + schema.kinds().size());
        }
        if (list.size() < schema.required()) {
            throw invalid("missing value for required argument " + list.size());
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode value = list.get(i);
            if (value.isNull() && i >= schema.required()) {
                continue;
            }
            check(schema.kinds().get(i), value, ARGUMENT[i]);
        }
        if (method.equals("eth_feeHistory")) {
            long count = count(list.get(0));
            list.set(0, json.getNodeFactory().textNode(Quantity.hex(Math.max(1, Math.min(count, MAX_FEE_HISTORY_BLOCKS)))));
        }
        if (method.equals("eth_getLogs") || method.equals("eth_newFilter")) {
            checkRange(method, list.get(0));
        }
        return params;
    }

    private void check(Kind kind, JsonNode v, String where) {
        switch (kind) {
            case QUANTITY -> text(v, Shape.QUANTITY, where, "a hex quantity (0x without leading zeros)");
            case SLOT, FILTER_ID -> text(v, Shape.LOOSE_QUANTITY, where, "a hex number of at most 32 bytes");
            case HASH -> text(v, Shape.HASH, where, "a 32-byte hash (0x and 64 hex digits)");
            case ADDRESS -> text(v, Shape.ADDRESS, where, "an address (0x and 40 hex digits)");
            case DATA -> text(v, Shape.DATA, where, "hex bytes (0x and an even number of hex digits)");
            case BOOL -> {
                if (!v.isBoolean()) {
                    throw invalid(where + " must be true or false");
                }
            }
            case BLOCK -> block(v, where);
            case BLOCK_OR_HASH -> {
                if (v.isObject()) {
                    blockObject(v, where);
                } else {
                    block(v, where);
                }
            }
            case OBJECT -> {
                if (!v.isObject()) {
                    throw invalid(where + " must be an object");
                }
            }
            case CALL -> call(v, where);
            case FILTER -> filter(v, where);
            case SLOTS -> {
                if (!v.isArray() || v.size() > MAX_STORAGE_KEYS) {
                    throw invalid(where + " must be an array of at most " + MAX_STORAGE_KEYS + " storage keys");
                }
                v.forEach(key -> text(key, Shape.LOOSE_QUANTITY, where, "an array of storage keys (hex of at most 32 bytes)"));
            }
            case COUNT -> count(v);
            case PERCENTILES -> percentiles(v, where);
        }
    }

    private static void text(JsonNode v, Shape shape, String where, String what) {
        if (!v.isTextual() || !shape.fits(v.asText())) {
            throw invalid(where + " must be " + what);
        }
    }

    private static void block(JsonNode v, String where) {
        if (v.isTextual() && (TAGS.contains(v.asText()) || HexText.quantity(v.asText()))) {
            return;
        }
        throw invalid(where + " must be a block number (hex quantity) or one of latest, earliest, pending, safe, finalized");
    }

    /** EIP-1898: {blockNumber} or {blockHash, requireCanonical}. */
    private static void blockObject(JsonNode v, String where) {
        boolean byNumber = v.has("blockNumber");
        boolean byHash = v.has("blockHash");
        if (byNumber == byHash) {
            throw invalid(where + " must name exactly one of blockNumber or blockHash");
        }
        for (var names = v.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            switch (name) {
                case "blockNumber" -> block(v.get(name), where + ".blockNumber");
                case "blockHash" -> text(v.get(name), Shape.HASH, where + ".blockHash", "a 32-byte hash");
                case "requireCanonical" -> {
                    if (!v.get(name).isBoolean()) {
                        throw invalid(where + ".requireCanonical must be true or false");
                    }
                }
                default -> throw invalid(where + " has an unknown member " + printable(name));
            }
        }
    }

    private static void call(JsonNode v, String where) {
        if (!v.isObject()) {
            throw invalid(where + " must be a transaction call object");
        }
        eachMember(v, where, (name, value, at) -> {
            switch (name) {
                case "from", "to" -> text(value, Shape.ADDRESS, at, "an address");
                case "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "maxFeePerBlobGas", "value", "nonce",
                     "type", "chainId" -> text(value, Shape.LOOSE_QUANTITY, at, "a hex quantity");
                case "data", "input" -> text(value, Shape.DATA, at, "hex bytes");
                case "accessList", "blobVersionedHashes", "authorizationList", "blobs" -> {
                    if (!value.isArray()) {
                        throw invalid(at + " must be an array");
                    }
                }
                default -> {
                    // nodes ignore members they do not know, and clients add their own: passed on unread
                }
            }
        });
    }

    private static void filter(JsonNode v, String where) {
        if (!v.isObject()) {
            throw invalid(where + " must be a filter object");
        }
        if (v.has("blockHash") && (v.has("fromBlock") || v.has("toBlock"))) {
            throw invalid(where + " takes either blockHash or fromBlock/toBlock, not both");
        }
        eachMember(v, where, (name, value, at) -> {
            switch (name) {
                case "fromBlock", "toBlock" -> block(value, at);
                case "blockHash" -> text(value, Shape.HASH, at, "a 32-byte hash");
                case "address" -> {
                    if (value.isArray()) {
                        if (value.size() > MAX_FILTER_ADDRESSES) {
                            throw invalid(at + " holds more than " + MAX_FILTER_ADDRESSES + " addresses");
                        }
                        value.forEach(a -> text(a, Shape.ADDRESS, at, "an address or an array of addresses"));
                    } else {
                        text(value, Shape.ADDRESS, at, "an address or an array of addresses");
                    }
                }
                case "topics" -> topics(value, at);
                default -> {
                    // as in call objects: a member nodes do not know is left to them
                }
            }
        });
    }

    /** Checks one member of an object; {@code at} names it for the error message. */
    @FunctionalInterface
    private interface MemberCheck {
        void check(String name, JsonNode value, String at);
    }

    /** Each member of {@code object} that is not null (a null member means "not given"). */
    private static void eachMember(JsonNode object, String where, MemberCheck check) {
        for (var fields = object.fields(); fields.hasNext(); ) {
            var field = fields.next();
            if (!field.getValue().isNull()) {
                check.check(field.getKey(), field.getValue(), where + "." + printable(field.getKey()));
            }
        }
    }

    private static void topics(JsonNode v, String at) {
        if (!v.isArray() || v.size() > MAX_TOPICS) {
            throw invalid(at + " must be an array of at most " + MAX_TOPICS + " topics");
        }
        for (JsonNode topic : v) {
            if (topic.isNull()) {
                continue;
            }
            if (topic.isArray()) {
                if (topic.size() > MAX_TOPIC_ALTERNATIVES) {
                    throw invalid(at + " offers more than " + MAX_TOPIC_ALTERNATIVES + " alternatives for one topic");
                }
                topic.forEach(t -> {
                    if (!t.isNull()) {
                        text(t, Shape.HASH, at, "an array of 32-byte hashes, nulls or arrays of them");
                    }
                });
            } else {
                text(topic, Shape.HASH, at, "an array of 32-byte hashes, nulls or arrays of them");
            }
        }
    }

    /** A block count given as a hex quantity or a plain number (web3.py and viem send either). */
    private static long count(JsonNode v) {
        BigInteger n;
        if (v.isIntegralNumber()) {
            n = v.bigIntegerValue();
        } else if (v.isTextual() && HexText.digits(v.asText(), 1, 64)) {
            n = new BigInteger(v.asText().substring(2), 16);
        } else {
            throw invalid("argument 0 must be a block count (a hex quantity or a whole number)");
        }
        if (n.signum() <= 0) {
            throw invalid("argument 0 must be a block count of at least 1");
        }
        return n.bitLength() > 31 ? Integer.MAX_VALUE : n.longValue();
    }

    private static void percentiles(JsonNode v, String where) {
        if (!v.isArray() || v.size() > MAX_PERCENTILES) {
            throw invalid(where + " must be an array of at most " + MAX_PERCENTILES + " reward percentiles");
        }
        double previous = -1;
        for (JsonNode p : v) {
            if (!p.isNumber() || p.asDouble() < 0 || p.asDouble() > 100 || p.asDouble() < previous) {
                throw invalid(where + " must hold increasing numbers between 0 and 100");
            }
            previous = p.asDouble();
        }
    }

    private void checkRange(String method, JsonNode filter) {
        if (filter.hasNonNull("blockHash")) {
            return;
        }
        long head = -1;
        long from;
        long to;
        JsonNode fromNode = filter.path("fromBlock");
        JsonNode toNode = filter.path("toBlock");
        if (isNumber(fromNode) && isNumber(toNode)) {
            from = number(fromNode);
            to = number(toNode);
        } else {
            head = bestHead.getAsLong();
            if (head < 0) {
                return; // no head known yet: the node judges the range itself
            }
            from = resolve(fromNode, head);
            to = resolve(toNode, head);
        }
        if (from > to) {
            throw invalid(method + ": fromBlock " + from + " is after toBlock " + to);
        }
        long span = to - from + 1;
        if (span > maxLogsBlockRange) {
            throw invalid(method + " block range of " + span + " blocks is wider than the " + maxLogsBlockRange
                    + " allowed (RPC_MAX_LOGS_BLOCK_RANGE); ask for at most " + maxLogsBlockRange
                    + " blocks at a time, e.g. fromBlock " + Quantity.hex(from) + " to toBlock " + Quantity.hex(from + maxLogsBlockRange - 1));
        }
    }

    private static boolean isNumber(JsonNode n) {
        return n.isTextual() && HexText.quantity(n.asText());
    }

    private static long number(JsonNode n) {
        BigInteger v = new BigInteger(n.asText().substring(2), 16);
        return v.bitLength() > 62 ? Long.MAX_VALUE / 2 : v.longValue();
    }

    /** Missing means "latest" for both ends, as nodes read it. */
    private static long resolve(JsonNode n, long head) {
        if (n.isMissingNode() || n.isNull()) {
            return head;
        }
        return switch (n.asText()) {
            case "earliest" -> 0;
            case "latest", "pending", "safe", "finalized" -> head;
            default -> number(n);
        };
    }

    /** A member name from a client is echoed only when it looks like one. */
    private static String printable(String name) {
        int n = name.length();
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                return "(unprintable name)";
            }
        }
        return n >= 1 && n <= 40 ? name : "(unprintable name)";
    }

    static NodeException invalid(String why) {
        return NodeException.refusedBeforeTheNode("invalid params: " + why, INVALID_PARAMS);
    }
}
