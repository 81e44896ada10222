package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlainParamsTest {
    private static final ObjectMapper JSON = NodeJson.mapper();
    private static final ObjectReader STRICT = JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** What Jackson's strict reader makes of the text; null when it refuses it. */
    private static JsonNode jackson(String text) {
        try {
            return STRICT.readTree(text);
        } catch (Exception e) {
            return null;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "[\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\",\"latest\"]",
            "[\"0x1b4\", false]",
            "[\"0xabababababababababababababababababababababababababababababababab\"]",
            "[{\"to\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"data\":\"0x70a08231\"},\"latest\"]",
            " [ {\"fromBlock\" : \"0x1\", \"toBlock\":\"0x2\", \"address\":[\"0x01\",\"0x02\"], \"topics\":[null,[\"0xaa\"]]} ] ",
            "[4, \"latest\", [25, 75]]",
            "[-7, 0, 123456789, true, null, {}, []]",
            "{\"a\":{\"b\":{\"c\":[1,[2,[3]]]}}}",
            "[\"\"]",
            "\t[\r\n]\n"})
    void plainParamsGiveJacksonsTreeWithoutJackson(String text) {
        JsonNode plain = PlainParams.read(text, JSON.getNodeFactory());
        assertThat(plain).as("read by hand").isNotNull();
        assertThat(plain).isEqualTo(jackson(text));
        assertThat(plain.toString()).isEqualTo(jackson(text).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "[\"a\\\"b\"]", "[\"\\u0041\"]", "[\"caf\u00e9\"]", "[\"tab\there\"]", // escapes, non-ASCII, control characters
            "[1.5]", "[1e3]", "[01]", "[-0]", "[1234567890]", "[+1]", "[- 1]", // numbers Jackson reads its own way, or refuses
            "{\"a\":1,\"a\":2}", // a repeated name
            "[1,]", "[,1]", "[1 2]", "{\"a\" 1}", "{\"a\":}", "{a:1}", "[\"open", "[", "[]]", "[] x", "[truex]", "[nul]", "[True]",
            "\"just a string\"", "7", "null", "", "   ",
            "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]"}) // deeper than the hand reader goes
    void anythingElseIsLeftToJackson(String text) {
        assertThat(PlainParams.read(text, JSON.getNodeFactory())).isNull();
    }

    /** Text made of JSON's pieces at random: whatever the hand reader takes, Jackson reads as the same tree. */
    @Test
    void whateverTheHandReaderTakesJacksonReadsAsTheSameTree() {
        String[] pieces = {"[", "]", "{", "}", ",", ":", " ", "\"a\"", "\"b\"", "\"0x1\"", "\"\"", "true", "false", "null",
                "0", "7", "-3", "12", "01", "1.5", "\"\\n\"", "\"\u00e9\"", "x", "\n"};
        Random random = new Random(16);
        int taken = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder text = new StringBuilder(random.nextBoolean() ? "[" : "{");
            for (int n = random.nextInt(12); n > 0; n--) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            text.append(text.charAt(0) == '[' ? "]" : "}");
            String t = text.toString();
            JsonNode plain = PlainParams.read(t, JSON.getNodeFactory());
            if (plain != null) {
                taken++;
                assertThat(plain).as(t).isEqualTo(jackson(t));
                assertThat(plain.toString()).as(t).isEqualTo(jackson(t).toString());
            }
        }
        assertThat(taken).as("texts the hand reader took").isGreaterThan(1_000);
    }
}
