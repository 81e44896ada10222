package com.dytallix.adapters.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A relayed call's params read into a tree by hand when they are of the plain kind dapps send
 * (arrays and objects of hex strings, block tags, booleans, null and small integers), without
 * Jackson's parser and deserialisation context: on an uncached relayed call that machinery cost more
 * than the check it fed (docs/performance.md, <i>Relay, round 11</i>).
 *
 * <p>It accepts only a strict subset of JSON and returns null for anything outside it, which the
 * caller then reads with Jackson, so every error, and every value this does not take, is worded and
 * decided as before. Outside the subset: strings holding an escape, a control character or anything
 * not printable ASCII; numbers with a sign other than a leading minus on a non-zero integer, a
 * fraction, an exponent, a leading zero, or more than nine digits; a repeated member name; nesting
 * deeper than {@value #MAX_DEPTH}. Inside it the tree is the one Jackson builds from the same text:
 * the same node kinds, members in the same order.
 */
final class PlainParams {
    /** Nesting this deep or deeper is left to Jackson. */
    static final int MAX_DEPTH = 16;

    private final String text;
    private final JsonNodeFactory nodes;
    private int at;

    private PlainParams(String text, JsonNodeFactory nodes) {
        this.text = text;
        this.nodes = nodes;
    }

    /** The tree of {@code text}, one JSON array or object and nothing after it but spaces; null when not of the plain kind. */
    static JsonNode read(String text, JsonNodeFactory nodes) {
        PlainParams r = new PlainParams(text, nodes);
        r.spaces();
        if (r.at >= text.length() || text.charAt(r.at) != '[' && text.charAt(r.at) != '{') {
            return null;
        }
        JsonNode value = r.value(0);
        if (value == null) {
            return null;
        }
        r.spaces();
        return r.at == text.length() ? value : null;
    }

    private JsonNode value(int depth) {
        if (at >= text.length()) {
            return null;
        }
        char c = text.charAt(at);
        return switch (c) {
            case '[' -> depth + 1 >= MAX_DEPTH ? null : array(depth + 1);
            case '{' -> depth + 1 >= MAX_DEPTH ? null : object(depth + 1);
            case '"' -> {
                String s = string();
                yield s == null ? null : nodes.textNode(s);
            }
            case 't' -> word("true") ? nodes.booleanNode(true) : null;
            case 'f' -> word("false") ? nodes.booleanNode(false) : null;
            case 'n' -> word("null") ? nodes.nullNode() : null;
            default -> c == '-' || c >= '0' && c <= '9' ? integer() : null;
        };
    }

    private ArrayNode array(int depth) {
        at++; // [
        ArrayNode array = nodes.arrayNode();
        spaces();
        if (at < text.length() && text.charAt(at) == ']') {
            at++;
            return array;
        }
        while (true) {
            spaces();
            JsonNode item = value(depth);
            if (item == null) {
                return null;
            }
            array.add(item);
            spaces();
            if (at >= text.length()) {
                return null;
            }
            char c = text.charAt(at++);
            if (c == ']') {
                return array;
            }
            if (c != ',') {
                return null;
            }
        }
    }

    private ObjectNode object(int depth) {
        at++; // {
        ObjectNode object = nodes.objectNode();
        spaces();
        if (at < text.length() && text.charAt(at) == '}') {
            at++;
            return object;
        }
        while (true) {
            spaces();
            if (at >= text.length() || text.charAt(at) != '"') {
                return null;
            }
            String name = string();
            if (name == null || object.has(name)) {
                return null; // a repeated name: Jackson's reader decides what that means
            }
            spaces();
            if (at >= text.length() || text.charAt(at) != ':') {
                return null;
            }
            at++;
            spaces();
            JsonNode member = value(depth);
            if (member == null) {
                return null;
            }
            object.set(name, member);
            spaces();
            if (at >= text.length()) {
                return null;
            }
            char c = text.charAt(at++);
            if (c == '}') {
                return object;
            }
            if (c != ',') {
                return null;
            }
        }
    }

    /** A string of printable ASCII without escapes, the quotes taken; null for any other string. */
    private String string() {
        int start = ++at;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                at = i + 1;
                return text.substring(start, i);
            }
            if (c < 0x20 || c > 0x7e || c == '\\') {
                return null;
            }
        }
        return null;
    }

    private boolean word(String w) {
        if (!text.startsWith(w, at)) {
            return false;
        }
        at += w.length();
        return at >= text.length() || !Character.isLetterOrDigit(text.charAt(at));
    }

    /** {@code 0}, or up to nine digits without a leading zero, a minus before them allowed; anything else null. */
    private JsonNode integer() {
        boolean negative = text.charAt(at) == '-';
        int start = negative ? at + 1 : at;
        int end = start;
        while (end < text.length() && text.charAt(end) >= '0' && text.charAt(end) <= '9') {
            end++;
        }
        int digits = end - start;
        if (digits == 0 || digits > 9 || digits > 1 && text.charAt(start) == '0' || negative && text.charAt(start) == '0') {
            return null;
        }
        if (end < text.length()) {
            char next = text.charAt(end);
            if (next == '.' || next == 'e' || next == 'E' || Character.isLetterOrDigit(next)) {
                return null;
            }
        }
        int value = Integer.parseInt(text, start, end, 10);
        at = end;
        return nodes.numberNode(negative ? -value : value);
    }

    private void spaces() {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            at++;
        }
    }
}
