package com.dytallix.adapters.node;

import com.dytallix.domain.Address;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Optional;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/** The curve arithmetic Ethereum needs: deterministic signing with a recovery id, and public-key recovery. */
final class Secp256k1 {
    private static final X9ECParameters PARAMS = CustomNamedCurves.getByName("secp256k1");
    static final ECDomainParameters DOMAIN =
            new ECDomainParameters(PARAMS.getCurve(), PARAMS.getG(), PARAMS.getN(), PARAMS.getH());
    static final BigInteger N = PARAMS.getN();
    static final BigInteger HALF_N = N.shiftRight(1);

    private Secp256k1() {
    }

    /** r, s (low-s form) and the recovery id (parity of R's y coordinate). */
    record Signature(BigInteger r, BigInteger s, int recoveryId) {
    }

    static ECPoint publicKey(BigInteger privateKey) {
        return new FixedPointCombMultiplier().multiply(DOMAIN.getG(), privateKey).normalize();
    }

    static Address address(ECPoint publicKey) {
        byte[] uncompressed = publicKey.getEncoded(false);
        byte[] hash = BouncyCastleKeccak.INSTANCE.hash(Arrays.copyOfRange(uncompressed, 1, uncompressed.length));
        return Address.fromBytes(Arrays.copyOfRange(hash, 12, 32), BouncyCastleKeccak.INSTANCE);
    }

    /** RFC 6979 deterministic ECDSA over a 32-byte hash, normalised to low s as Ethereum requires. */
    static Signature sign(byte[] hash, BigInteger privateKey, ECPoint publicKey) {
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, new ECPrivateKeyParameters(privateKey, DOMAIN));
        BigInteger[] rs = signer.generateSignature(hash);
        BigInteger r = rs[0];
        BigInteger s = rs[1].compareTo(HALF_N) > 0 ? N.subtract(rs[1]) : rs[1];
        for (int recoveryId = 0; recoveryId < 2; recoveryId++) {
            Optional<ECPoint> candidate = recover(hash, r, s, recoveryId);
            if (candidate.isPresent() && candidate.get().equals(publicKey)) {
                return new Signature(r, s, recoveryId);
            }
        }
        // Only when R's x coordinate exceeded n (probability ~2^-127); Ethereum has no encoding for it.
        throw new IllegalStateException("signature has no Ethereum recovery id");
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
