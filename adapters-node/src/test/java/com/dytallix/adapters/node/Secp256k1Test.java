package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Optional;
import java.util.Random;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECFieldElement;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

class Secp256k1Test {

    @Test
    void recoveryIdFromRsParityMatchesPublicKeyRecoveryOverManyKeysAndMessages() {
        Random random = new Random(20);
        int flippedToLowS = 0;
        for (int i = 0; i < 400; i++) {
            BigInteger key = new BigInteger(256, random).mod(Secp256k1.N.subtract(BigInteger.ONE)).add(BigInteger.ONE);
            byte[] hash = new byte[32];
            random.nextBytes(hash);
            ECPoint publicKey = Secp256k1.publicKey(key);

            Secp256k1.Signature signature = Secp256k1.sign(hash, key);

            // the same r and s as Bouncy Castle's RFC 6979 signer, in low-s form
            ECDSASigner reference = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
            reference.init(true, new ECPrivateKeyParameters(key, Secp256k1.DOMAIN));
            BigInteger[] rs = reference.generateSignature(hash);
            boolean high = rs[1].compareTo(Secp256k1.HALF_N) > 0;
            flippedToLowS += high ? 1 : 0;
            assertThat(signature.r()).isEqualTo(rs[0]);
            assertThat(signature.s()).isEqualTo(high ? Secp256k1.N.subtract(rs[1]) : rs[1]);
            // and the recovery id is the one under which recovery finds the signer, the other one does not
            assertThat(Secp256k1.recover(hash, signature.r(), signature.s(), signature.recoveryId())).contains(publicKey);
            assertThat(Secp256k1.recover(hash, signature.r(), signature.s(), 1 - signature.recoveryId()))
                    .isNotEqualTo(Optional.of(publicKey));
        }
        // both branches of the low-s normalisation ran
        assertThat(flippedToLowS).isBetween(100, 300);
    }

    @Test
    void aSigningPointWhoseXIsAtLeastNHasNoEthereumRecoveryId() {
        ECCurve curve = Secp256k1.DOMAIN.getCurve();
        // the smallest x >= n on the curve (p - n is about 2^128, so such points exist)
        BigInteger x = Secp256k1.N;
        ECPoint point = null;
        while (point == null) {
            ECFieldElement fx = curve.fromBigInteger(x);
            ECFieldElement y = fx.square().multiply(fx).add(curve.getB()).sqrt();
            if (y != null) {
                point = curve.createPoint(x, y.toBigInteger());
            }
            x = x.add(BigInteger.ONE);
        }
        ECPoint overflowing = point;

        assertThat(overflowing.isValid()).isTrue();
        assertThatThrownBy(() -> Secp256k1.recoveryId(overflowing))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no Ethereum recovery id");
        ECPoint ordinary = Secp256k1.publicKey(BigInteger.TWO);
        assertThat(Secp256k1.recoveryId(ordinary)).isEqualTo(ordinary.getAffineYCoord().testBitZero() ? 1 : 0);
    }
}
