package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.Address;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.InvalidKeyException;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.UnsignedTransaction;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Secp256k1KeyTest {
    private static final String ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private static final Address RECIPIENT = new Address("0x3535353535353535353535353535353535353535");

    @Test
    void reproducesTheEip155SpecExample() {
        Secp256k1Key key = Secp256k1Key.fromHex("0x" + "46".repeat(32));
        UnsignedTransaction tx = new UnsignedTransaction(1, 9, RECIPIENT, Wei.ofDyt("1"), 21_000,
                new Fees.Legacy(Wei.of(20_000_000_000L)));

        SignedTransaction signed = key.sign(tx);

        assertThat(signed.rawHex()).isEqualTo("0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");
        assertThat(signed.hash().value()).isEqualTo("0x" + HexFormat.of().formatHex(
                BouncyCastleKeccak.INSTANCE.hash(HexFormat.of().parseHex(signed.rawHex().substring(2)))));
        assertThat(signed.from()).isEqualTo(key.address());
    }

    @Test
    void derivesAnvilsFirstAccount() {
        assertThat(Secp256k1Key.fromHex(ANVIL_KEY).address().value()).isEqualTo("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assertThat(Secp256k1Key.fromHex(ANVIL_KEY.substring(2) + "\n").address().value())
                .isEqualTo("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    }

    @Test
    void eip1559SignatureDecodesBackToTheSameTransactionAndSender() {
        Secp256k1Key key = Secp256k1Key.generate();
        UnsignedTransaction tx = new UnsignedTransaction(1337, 300, RECIPIENT, Wei.ofDyt("10"), 21_000,
                new Fees.Eip1559(Wei.of(3_000_000_000L), Wei.of(1_000_000_000L)));

        SignedTransaction signed = key.sign(tx);
        TransactionCodec.Decoded decoded = TransactionCodec.decode(HexFormat.of().parseHex(signed.rawHex().substring(2)));

        assertThat(signed.rawHex()).startsWith("0x02");
        assertThat(decoded.type()).isEqualTo(TransactionCodec.EIP1559);
        assertThat(decoded.from()).isEqualTo(key.address());
        assertThat(decoded.chainId()).hasValue(1337);
        assertThat(decoded.nonce()).isEqualTo(300);
        assertThat(decoded.maxFeePerGas()).isEqualTo(3_000_000_000L);
        assertThat(decoded.maxPriorityFeePerGas()).isEqualTo(1_000_000_000L);
        assertThat(decoded.to()).contains(RECIPIENT);
        assertThat(decoded.value()).isEqualTo(Wei.ofDyt("10").value());
        assertThat(decoded.hash()).isEqualTo(signed.hash());
        assertThat(decoded.s()).isLessThanOrEqualTo(Secp256k1.HALF_N);
    }

    @Test
    void signingIsDeterministic() {
        Secp256k1Key key = Secp256k1Key.fromHex(ANVIL_KEY);
        UnsignedTransaction tx = new UnsignedTransaction(31337, 0, RECIPIENT, Wei.of(1), 21_000,
                new Fees.Eip1559(Wei.of(2), Wei.of(1)));
        assertThat(key.sign(tx).rawHex()).isEqualTo(key.sign(tx).rawHex());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "0x0000000000000000000000000000000000000000000000000000000000000000",
            // n, the curve order
            "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
            "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142",
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff8",
            "0xzc0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff8000",
            ""})
    void invalidKeysAreRefusedWithoutEchoingThem(String text) {
        assertThatThrownBy(() -> Secp256k1Key.fromHex(text))
                .isInstanceOf(InvalidKeyException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("bec39a17e36ba4a6").doesNotContain("ffffffffff"));
    }

    @Test
    void theKeyNeverShowsInToString() {
        Secp256k1Key key = Secp256k1Key.fromHex(ANVIL_KEY);
        assertThat(key.toString()).contains(key.address().value()).doesNotContain(ANVIL_KEY.substring(2, 20));
    }

    @Test
    void generatedKeysRoundTripThroughTheirHex() {
        Secp256k1Key key = Secp256k1Key.generate();
        assertThat(key.privateKeyHex()).matches("0x[0-9a-f]{64}");
        assertThat(Secp256k1Key.fromHex(key.privateKeyHex()).address()).isEqualTo(key.address());
        assertThat(Secp256k1Key.generate().address()).isNotEqualTo(key.address());
    }
}
