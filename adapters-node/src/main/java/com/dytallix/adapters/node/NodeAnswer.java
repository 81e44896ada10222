package com.dytallix.adapters.node;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One JSON-RPC response object read with the streaming parser: the id and the error object as
 * trees (they are small), the result only located as a byte range of the node's answer, so a relayed
 * result is passed on as the node's own bytes without building and re-serialising a tree.
 *
 * @param id          the response id, null when absent
 * @param error       the error object, null when absent or JSON null
 * @param body        the whole answer
 * @param resultStart offset of the result value in {@code body}, -1 when there is no result member
 * @param resultEnd   offset just past the result value
 */
record NodeAnswer(JsonNode id, JsonNode error, byte[] body, int resultStart, int resultEnd) {
    /** Reads members one by one: a lenient mapper (the strict one refuses the members that follow). */
    private static final ObjectMapper MEMBERS = NodeJson.mapper();
    private static final JsonFactory FACTORY = MEMBERS.getFactory();

    boolean hasResult() {
        return resultStart >= 0;
    }

    /** The result as the node wrote it. */
    String resultJson() {
        return new String(body, resultStart, resultEnd - resultStart, StandardCharsets.UTF_8);
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
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "id" -> id = value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                            ? MEMBERS.getNodeFactory().numberNode(p.getLongValue()) // our own ids: no tree reader for one number
                            : p.readValueAsTree();
                    case "error" -> {
                        JsonNode e = p.readValueAsTree();
                        error = e == null || e.isNull() ? null : e;
                    }
                    case "result" -> {
                        start = (int) p.currentTokenLocation().getByteOffset();
                        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                            p.skipChildren();
                        } else {
                            p.finishToken();
                        }
                        end = (int) p.currentLocation().getByteOffset();
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
            return new NodeAnswer(id, error, body, start, end);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
