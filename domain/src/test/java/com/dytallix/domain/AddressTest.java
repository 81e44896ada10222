package com.dytallix.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AddressTest {
    private final Keccak256 keccak = TestKeccak.INSTANCE;

    // The test vectors published in EIP-55.
    @ParameterizedTest
    @ValueSource(strings = {
            "0x52908400098527886E0F7030069857D2E4169EE7",
            "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
            "0xde709f2102306220921060314715629080e2fb77",
            "0x27b1fdb04752bbc536007a920d24acb045561c26",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"})
    void eip55VectorsAreAcceptedAndReproduced(String vector) {
        Address parsed = Address.parse(vector, keccak);
        assertThat(parsed.value()).isEqualTo(vector);
        assertThat(Address.parse(vector.toLowerCase(Locale.ROOT), keccak)).isEqualTo(parsed);
    }

    @Test
    void uppercaseHexCarriesNoChecksumAndIsAccepted() {
        Address parsed = Address.parse("0x" + "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".toUpperCase(Locale.ROOT), keccak);
        assertThat(parsed.value()).isEqualTo("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    }

    @Test
    void mixedCaseWithWrongChecksumIsRefused() {
        assertThatThrownBy(() -> Address.parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", keccak))
                .isInstanceOf(InvalidAddressException.class)
                .hasMessageContaining("checksum");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0x", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd", "0xZZAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", " 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"})
    void malformedTextIsRefused(String text) {
        assertThatThrownBy(() -> Address.parse(text, keccak)).isInstanceOf(InvalidAddressException.class);
    }

    @Test
    void nullIsRefused() {
        assertThatThrownBy(() -> Address.parse(null, keccak)).isInstanceOf(InvalidAddressException.class);
    }
}
