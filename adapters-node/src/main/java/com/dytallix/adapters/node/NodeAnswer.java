package com.dytallix.adapters.node;

import com.dytallix.domain.sync.RawJson;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One JSON-RPC response object read with the streaming parser: the id and the error object as
 * trees (they are small), the result and the error's {@code data} also located as byte ranges of the
 * node's answer, so a relayed result or error data is passed on as the node's own bytes (its number
 * formats, key order and escapes) without building and re-serialising a tree.
 *
 * @param id          the response id, null when absent
 * @param error       the error object, null when absent or JSON null
 * @param body        the whole answer
 * @param resultStart offset of the result value in {@code body}, -1 when there is no result member
 * @param resultEnd   offset just past the result value
 * @param dataStart   offset of the error object's {@code data} value in {@code body}, -1 when it has none
 * @param dataEnd     offset just past the data value
 */
record NodeAnswer(JsonNode id, JsonNode error, byte[] body, int resultStart, int resultEnd, int dataStart, int dataEnd) {
    /** Reads members one by one: a lenient mapper (the strict one refuses the members that follow). */
    private static final ObjectMapper MEMBERS = NodeJson.mapper();
    private static final JsonFactory FACTORY = MEMBERS.getFactory();

    boolean hasResult() {
        return resultStart >= 0;
    }

    /**
     * The result as the node wrote it: a slice of the answer's bytes, or a copy of its own when the answer holds much
     * besides (so that what keeps the result, a cached answer, does not keep the rest).
     */
    RawJson result() {
        return new RawJson(body, resultStart, resultEnd - resultStart).compact();
    }

    /** The error object's {@code data} as the node wrote it; null when it has none or it is JSON null. */
    String errorDataJson() {
        JsonNode data = error == null ? null : error.get("data");
        return data == null || data.isNull() || dataStart < 0 ? null
                : new String(body, dataStart, dataEnd - dataStart, StandardCharsets.UTF_8);
    }

    JsonNode resultTree(ObjectMapper json) throws IOException {
        return json.readTree(body, resultStart, resultEnd - resultStart);
    }

    /** Null when the bytes are not one JSON object (then the caller reports a bad response). */
    static NodeAnswer parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonNode id = null;
            JsonNode error = null;
            int start = -1;
            int end = -1;
            int[] data = {-1, -1};
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "id" -> id = value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                            ? MEMBERS.getNodeFactory().numberNode(p.getLongValue()) // our own ids: no tree reader for one number
                            : p.readValueAsTree();
                    case "error" -> {
                        JsonNode e;
                        if (value == JsonToken.START_OBJECT) {
                            int from = (int) p.currentTokenLocation().getByteOffset();
                            locateData(p, data);
                            // the tree from the same bytes: every string decoded, so malformed UTF-8 fails here
                            e = MEMBERS.readTree(body, from, (int) p.currentLocation().getByteOffset() - from);
                        } else {
                            e = p.readValueAsTree();
                        }
                        error = e == null || e.isNull() ? null : e;
                    }
                    case "result" -> {
                        start = (int) p.currentTokenLocation().getByteOffset();
                        end = valueEnd(p);
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
            return new NodeAnswer(id, error, body, start, end, data[0], data[1]);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Walks the error object at the parser's current token to its end, putting the byte range of its
     * {@code data} member's value (the last one, as the tree keeps it) in {@code range}.
     */
    private static void locateData(JsonParser p, int[] range) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean data = p.currentName().equals("data");
            p.nextToken();
            int from = (int) p.currentTokenLocation().getByteOffset();
            int to = valueEnd(p);
            if (data) {
                range[0] = from;
                range[1] = to;
            }
        }
    }

    /** Moves past the value at the parser's current token; the offset just after it. */
    private static int valueEnd(JsonParser p) throws IOException {
        if (p.currentToken().isStructStart()) {
            p.skipChildren();
        } else {
            p.finishToken();
        }
        return (int) p.currentLocation().getByteOffset();
    }
}
