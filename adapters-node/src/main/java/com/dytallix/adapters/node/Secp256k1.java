package com.dytallix.adapters.node;

import com.dytallix.domain.Address;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Optional;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

/** The curve arithmetic Ethereum needs: deterministic signing with a recovery id, and public-key recovery. */
final class Secp256k1 {
    private static final X9ECParameters PARAMS = CustomNamedCurves.getByName("secp256k1");
    static final ECDomainParameters DOMAIN =
            new ECDomainParameters(PARAMS.getCurve(), PARAMS.getG(), PARAMS.getN(), PARAMS.getH());
    static final BigInteger N = PARAMS.getN();
    static final BigInteger HALF_N = N.shiftRight(1);
    private static final FixedPointCombMultiplier BASE_MULTIPLIER = new FixedPointCombMultiplier();

    private Secp256k1() {
    }

    /** r, s (low-s form) and the recovery id (parity of R's y coordinate). */
    record Signature(BigInteger r, BigInteger s, int recoveryId) {
    }

    static ECPoint publicKey(BigInteger privateKey) {
        return BASE_MULTIPLIER.multiply(DOMAIN.getG(), privateKey).normalize();
    }

    static Address address(ECPoint publicKey) {
        byte[] uncompressed = publicKey.getEncoded(false);
        byte[] hash = BouncyCastleKeccak.INSTANCE.hash(Arrays.copyOfRange(uncompressed, 1, uncompressed.length));
        return Address.fromBytes(Arrays.copyOfRange(hash, 12, 32), BouncyCastleKeccak.INSTANCE);
    }

    /**
     * RFC 6979 deterministic ECDSA over a 32-byte hash, normalised to low s as Ethereum requires. The
     * recovery id is read off the signing point R (its y parity, flipped when s is negated), so no
     * public-key recovery runs; Bouncy Castle's signer computes the same r and s but keeps R to itself.
     */
    static Signature sign(byte[] hash, BigInteger privateKey) {
        HMacDSAKCalculator nonces = new HMacDSAKCalculator(new SHA256Digest());
        nonces.init(N, privateKey, hash);
        BigInteger e = new BigInteger(1, hash);
        while (true) {
            BigInteger k = nonces.nextK();
            ECPoint bigR = BASE_MULTIPLIER.multiply(DOMAIN.getG(), k).normalize();
            BigInteger x = bigR.getAffineXCoord().toBigInteger();
            BigInteger r = x.mod(N);
            if (r.signum() == 0) {
                continue;
            }
            BigInteger s = BigIntegers.modOddInverse(N, k).multiply(e.add(privateKey.multiply(r))).mod(N);
            if (s.signum() == 0) {
                continue;
            }
            int recoveryId = recoveryId(bigR);
            if (s.compareTo(HALF_N) > 0) {
                // negating s is signing with -k, whose point is R mirrored: the other y parity
                s = N.subtract(s);
                recoveryId ^= 1;
            }
            return new Signature(r, s, recoveryId);
        }
    }

    /**
     * The recovery id of a signature whose signing point is {@code bigR}: the parity of its y coordinate.
     * When R's x coordinate is n or more (probability ~2^-127), r lost information that only recovery
     * ids 2 and 3 carry, and Ethereum has no encoding for them.
     */
    static int recoveryId(ECPoint bigR) {
        if (bigR.getAffineXCoord().toBigInteger().compareTo(N) >= 0) {
            throw new IllegalStateException("signature has no Ethereum recovery id");
        }
        return bigR.getAffineYCoord().testBitZero() ? 1 : 0;
    }

    /** SEC 1 section 4.1.6, restricted to recovery ids 0 and 1 (x = r). Empty when the signature is invalid. */
    static Optional<ECPoint> recover(byte[] hash, BigInteger r, BigInteger s, int recoveryId) {
        if (r.signum() <= 0 || r.compareTo(N) >= 0 || s.signum() <= 0 || s.compareTo(N) >= 0
                || (recoveryId != 0 && recoveryId != 1)) {
            return Optional.empty();
        }
        byte[] compressed = new byte[33];
        compressed[0] = (byte) (0x02 + recoveryId);
        byte[] x = unsigned32(r);
        System.arraycopy(x, 0, compressed, 1, 32);
        ECPoint bigR;
        try {
            bigR = DOMAIN.getCurve().decodePoint(compressed);
        } catch (IllegalArgumentException notOnCurve) {
            return Optional.empty();
        }
        BigInteger e = new BigInteger(1, hash);
        BigInteger rInverse = r.modInverse(N);
        BigInteger eTerm = e.negate().mod(N).multiply(rInverse).mod(N);
        BigInteger sTerm = s.multiply(rInverse).mod(N);
        ECPoint q = ECAlgorithms.sumOfTwoMultiplies(DOMAIN.getG(), eTerm, bigR, sTerm).normalize();
        return q.isInfinity() ? Optional.empty() : Optional.of(q);
    }

    static byte[] unsigned32(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[32];
        int copy = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
        return out;
    }
}
