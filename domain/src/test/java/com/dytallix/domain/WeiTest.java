package com.dytallix.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class WeiTest {
    @Test
    void dytToWeiIsExact() {
        assertThat(Wei.ofDyt("10").value()).isEqualTo(new BigInteger("10000000000000000000"));
        assertThat(Wei.ofDyt("0.000000000000000001").value()).isEqualTo(BigInteger.ONE);
        assertThat(Wei.ofDyt("123456789.123456789123456789").value())
                .isEqualTo(new BigInteger("123456789123456789123456789"));
    }

    @Test
    void weiToDytIsExactAndPlain() {
        assertThat(Wei.parse("10000000000000000000").toDytString()).isEqualTo("10");
        assertThat(Wei.parse("1").toDytString()).isEqualTo("0.000000000000000001");
        assertThat(Wei.parse("1500000000000000000").toDytString()).isEqualTo("1.5");
        assertThat(Wei.ZERO.toDytString()).isEqualTo("0");
        assertThat(Wei.ofDyt("1e3").toDytString()).isEqualTo("1000");
    }

    @Test
    void roundTripKeepsEveryDigit() {
        String dyt = "98765432109876543210.000000000000000007";
        assertThat(Wei.ofDyt(dyt).toDytString()).isEqualTo(dyt);
    }

    @Test
    void moreThanEighteenDecimalsIsRefused() {
        assertThatThrownBy(() -> Wei.ofDyt("0.0000000000000000001"))
                .isInstanceOf(InvalidAmountException.class).hasMessageContaining("18 decimals");
    }

    @Test
    void trailingZerosBeyondEighteenDecimalsAreStillExact() {
        assertThat(Wei.ofDyt("1.0000000000000000000000").toDytString()).isEqualTo("1");
    }

    @Test
    void negativesAndGarbageAreRefused() {
        assertThatThrownBy(() -> Wei.ofDyt("-1")).isInstanceOf(InvalidAmountException.class);
        assertThatThrownBy(() -> Wei.ofDyt("ten")).isInstanceOf(InvalidAmountException.class);
        assertThatThrownBy(() -> Wei.parse("1.5")).isInstanceOf(InvalidAmountException.class);
        assertThatThrownBy(() -> new Wei(BigInteger.valueOf(-1))).isInstanceOf(InvalidAmountException.class);
    }
}
