package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.adapters.http.FaucetHttpService.DripBody;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The faucet body read as a stream answers exactly as the tree did, and leaves every other body to the tree. */
class DripBodyTest {
    private static final String A = "0x00000000000000000000000000000000000000aA";

    @Test
    void theUsualBodiesAreReadAsAStreamToWhatTheTreeReads() {
        for (String body : new String[] {
                "{\"address\":\"" + A + "\"}",
                " {\n \"address\" : \"" + A + "\" , \"pow\" : null } ",
                "{\"note\":\"hi\",\"tags\":[\"a\",{\"b\":[true,null]}],\"address\":\"" + A + "\"}",
                "{\"address\":\"" + A + "\",\"pow\":{\"challenge\":\"00ff\",\"nonce\":\"12\",\"extra\":[]}}",
                "{\"pow\":{\"nonce\":\"7\",\"challenge\":\"\"},\"address\":\"not an address\"}",
                "{\"address\":\"\\u0030x\\\"\"}"}) {
            Optional<DripBody> streamed = DripBody.streamed(bytes(body));
            assertThat(streamed).as(body).isPresent();
            assertThat(streamed.get()).as(body).isEqualTo(DripBody.of(Json.parse(bytes(body))));
        }
    }

    @Test
    void everyOtherBodyIsLeftToTheTreeWhichAnswersItAsBefore() {
        for (String body : new String[] {
                "", "[]", "\"x\"", "{", "{\"address\":\"" + A + "\"} {}", "{\"address\":\"" + A + "\",\"address\":\"" + A + "\"}",
                "{\"address\":1}", "{\"address\":null}", "{}", "{\"address\":[\"" + A + "\"]}",
                "{\"address\":\"" + A + "\",\"other\":1E+2147483648}",
                "{\"address\":\"" + A + "\",\"pow\":{\"challenge\":\"00\",\"nonce\":12}}",
                "{\"address\":\"" + A + "\",\"pow\":{\"challenge\":\"00\"}}",
                "{\"address\":\"" + A + "\",\"pow\":[]}",
                "{\"address\":\"" + A + "\",\"pow\":{\"challenge\":5,\"nonce\":\"1\"}}",
                "{\"address\":\"" + A + "\" /* c */}"}) {
            assertThat(DripBody.streamed(bytes(body))).as(body).isEmpty();
        }
        assertThatThrownBy(() -> DripBody.of(Json.parse(bytes("{\"address\":\"" + A + "\",\"other\":1E+2147483648}"))))
                .isInstanceOf(ApiException.class).hasMessageContaining("out of range");
    }

    @Test
    void aStreamedProofIsCheckedAsTheTreeChecksIt() {
        String longChallenge = "{\"address\":\"" + A + "\",\"pow\":{\"challenge\":\"" + "a".repeat(65) + "\",\"nonce\":\"1\"}}";
        String badNonce = "{\"address\":\"" + A + "\",\"pow\":{\"challenge\":\"00\",\"nonce\":\"-1\"}}";
        for (String body : new String[] {longChallenge, badNonce}) {
            ApiException streamed = catchApi(() -> DripBody.streamed(bytes(body)));
            ApiException tree = catchApi(() -> DripBody.of(Json.parse(bytes(body))));
            assertThat(streamed.getMessage()).isEqualTo(tree.getMessage());
            assertThat(streamed.details()).isEqualTo(tree.details());
        }
    }

    private static ApiException catchApi(Runnable r) {
        try {
            r.run();
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("no ApiException");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
