package com.dytallix.adapters.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ValueNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * The one JSON configuration: strict reading (duplicate keys, trailing tokens refused), plain writing.
 * Parsers and writers take their buffers from one shared pool: Jackson's default pool is per thread,
 * and each request runs on a new virtual thread, so it allocated fresh buffers for every request.
 */
public final class Json {
    private static final JsonFactory FRAGMENTS = new JsonFactory();
    public static final ObjectMapper MAPPER = JsonMapper.builder(
                    new JsonFactoryBuilder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                            .characterEscapes(new SurrogatesEscaped()).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            // numbers echoed back (JSON-RPC ids, params) keep the digits they were sent with
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
            .nodeFactory(new BoundedNumbers())
            .build();
    /** Decimal exponents beyond this are refused: nothing we read is that large or small, and arithmetic on them is unbounded. */
    private static final int MAX_EXPONENT = 1000;

    /**
     * Refuses numbers such as {@code 1E+2147483648} while the tree is built, wherever they are
     * (an ignored field too): turned into an integer or scaled later, they overflow or take
     * memory without bound.
     */
    private static final class BoundedNumbers extends JsonNodeFactory {
        @Override
        public ValueNode numberNode(BigDecimal v) {
            long magnitude = (long) v.precision() - v.scale();
            if (Math.abs(magnitude) > MAX_EXPONENT || Math.abs((long) v.scale()) > MAX_EXPONENT) {
                throw new NumberOutOfRange();
            }
            return super.numberNode(v);
        }
    }

    private static final class NumberOutOfRange extends RuntimeException {
        NumberOutOfRange() {
            super("number out of range", null, false, false);
        }
    }

    /**
     * JSON may carry a lone surrogate ({@code "\\ud800"}, a JSON-RPC id a client chose); a Java string
     * holds it, but UTF-8 cannot, so text written unescaped and encoded later would turn it into
     * {@code ?}. Every surrogate is written as its escape instead: a pair escaped half by half is
     * still the same character to every JSON reader, and nothing else changes.
     */
    private static final class SurrogatesEscaped extends CharacterEscapes {
        private static final int[] ASCII = standardAsciiEscapesForJSON();

        @Override
        public int[] getEscapeCodesForAscii() {
            return ASCII;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return Character.isSurrogate((char) ch) ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }

    private Json() {
    }

    /**
     * Why a text is not JSON we read, in words a client can act on: never the parser's own message,
     * which names its internals.
     */
    static String whyNotRead(JsonProcessingException e) {
        String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (original.startsWith("Duplicate field")) {
            return "duplicate key in a JSON object";
        }
        if (e instanceof StreamConstraintsException) {
            if (original.startsWith("Document nesting depth")) {
                return "nested more than " + MAPPER.getFactory().streamReadConstraints().getMaxNestingDepth() + " levels deep";
            }
            if (original.startsWith("Number value length")) {
                return "a number longer than " + MAPPER.getFactory().streamReadConstraints().getMaxNumberLength() + " digits";
            }
            return "a value longer than this server reads";
        }
        return "malformed JSON";
    }

    /** Parses a request body; malformed JSON is a 400 INVALID_REQUEST that never echoes parser internals. */
    public static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw new ApiException(400, "INVALID_REQUEST", "request body is empty; expected JSON");
        }
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw new ApiException(400, "INVALID_REQUEST", "request body is empty; expected JSON");
            }
            return node;
        } catch (JsonProcessingException e) {
            String why = whyNotRead(e);
            long line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            long column = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
            throw new ApiException(400, "INVALID_REQUEST", "request body is not valid JSON: " + why
                    + (line > 0 ? " at line " + line + ", column " + column : ""), null, java.util.Map.of());
        } catch (java.io.IOException e) {
            throw new ApiException(400, "INVALID_REQUEST", "request body could not be read");
        } catch (NumberOutOfRange | NumberFormatException | ArithmeticException e) {
            // the parser's own refusal of an exponent it cannot represent arrives unchecked
            throw new ApiException(400, "INVALID_REQUEST", "request body is not valid JSON: a number is out of range");
        }
    }

    /**
     * JSON text that is not a client's request body (a WebSocket message, a node's error data):
     * empty when it is not JSON or holds a number beyond range, never an exception.
     */
    static Optional<JsonNode> tree(String json) {
        return Optional.ofNullable(Message.read(json).tree());
    }

    /**
     * A client's JSON on a carrier without a status (a WebSocket message): the tree, or why it
     * could not be read ({@link #whyNotRead}); never an exception.
     *
     * @param tree null when it could not be read
     * @param why  null when it was read
     */
    record Message(JsonNode tree, String why) {
        static Message read(String json) {
            try {
                return new Message(MAPPER.readTree(json), null);
            } catch (JsonProcessingException e) {
                return new Message(null, whyNotRead(e));
            } catch (NumberOutOfRange | NumberFormatException | ArithmeticException e) {
                return new Message(null, "a number is out of range");
            }
        }
    }

    /**
     * A node's JSON fragment (an error's data) to be written as it came, character for character
     * (its number formats, key order and escapes): a {@link RawValue} when it is one JSON value and
     * nothing else, else the fragment as a JSON string.
     */
    static Object rawOrText(String json) {
        // not MAPPER's factory: a duplicate key the node wrote is passed on, not refused
        try (JsonParser p = FRAGMENTS.createParser(json)) {
            if (p.nextToken() != null) {
                p.skipChildren();
                if (p.nextToken() == null) {
                    return new RawValue(json);
                }
            }
        } catch (IOException e) {
            // not JSON: its text
        }
        return MAPPER.getNodeFactory().textNode(json);
    }

    /** The value as JSON text (for carriers that send text, like WebSocket messages). */
    public static String text(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response could not be serialised", e);
        }
    }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response could not be serialised", e);
        }
    }
}
