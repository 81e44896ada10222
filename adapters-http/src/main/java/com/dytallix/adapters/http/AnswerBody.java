package com.dytallix.adapters.http;

import com.dytallix.domain.sync.RawJson;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The bytes of one answer as they go on the wire, in parts written one after the other: a relayed result is the
 * envelope's head, the node's result (the node's own bytes, a slice of its answer or of the cached one) and the
 * envelope's tail, so the answer is never copied whole; a batch is its items' parts between brackets and commas.
 *
 * @param parts  the parts, in order
 * @param length their bytes in all
 */
record AnswerBody(List<RawJson> parts, long length) {
    private static final RawJson OPEN = RawJson.of("[");
    private static final RawJson COMMA = RawJson.of(",");
    private static final RawJson CLOSE = RawJson.of("]");

    AnswerBody(List<RawJson> parts) {
        this(parts, parts.stream().mapToLong(RawJson::length).sum());
    }

    /** An answer written whole (an error object, a value of ours). */
    static AnswerBody of(byte[] json) {
        return new AnswerBody(List.of(new RawJson(json, 0, json.length)), json.length);
    }

    /** {@code head}, the result, then {@code tail}. */
    static AnswerBody around(byte[] head, RawJson result, byte[] tail) {
        return new AnswerBody(List.of(new RawJson(head, 0, head.length), result, new RawJson(tail, 0, tail.length)));
    }

    /** A JSON array of the answers. */
    static AnswerBody array(List<AnswerBody> items) {
        List<RawJson> parts = new java.util.ArrayList<>(items.stream().mapToInt(i -> i.parts().size() + 1).sum() + 1);
        parts.add(OPEN);
        for (AnswerBody item : items) {
            if (parts.size() > 1) {
                parts.add(COMMA);
            }
            parts.addAll(item.parts());
        }
        parts.add(CLOSE);
        return new AnswerBody(List.copyOf(parts));
    }

    /** The whole answer in one array: only for an answer small enough to be sent in one write. */
    byte[] bytes() {
        if (parts.size() == 1 && parts.getFirst().offset() == 0 && parts.getFirst().length() == parts.getFirst().bytes().length) {
            return parts.getFirst().bytes();
        }
        byte[] all = new byte[Math.toIntExact(length)];
        int at = 0;
        for (RawJson p : parts) {
            System.arraycopy(p.bytes(), p.offset(), all, at, p.length());
            at += p.length();
        }
        return all;
    }

    /**
     * The answer decoded: for the WebSocket endpoint, whose frames Helidon takes as text (it encodes them again),
     * and for tests.
     */
    String text() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }
}
