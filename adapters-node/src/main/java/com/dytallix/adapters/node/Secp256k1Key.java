package com.dytallix.adapters.node;

import com.dytallix.domain.Address;
import com.dytallix.domain.key.InvalidKeyException;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.SigningKey;
import com.dytallix.domain.key.UnsignedTransaction;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A secp256k1 private key that signs EIP-1559 and legacy EIP-155 transfers. Immutable and
 * thread-safe; neither {@link #toString()} nor any exception ever shows the key.
 */
public final class Secp256k1Key implements SigningKey {
    private static final Pattern KEY_HEX = Pattern.compile("(0x|0X)?[0-9a-fA-F]{64}");
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final BigInteger privateKey;
    private final Address address;

    private Secp256k1Key(BigInteger privateKey) {
        this.privateKey = privateKey;
        this.address = Secp256k1.address(Secp256k1.publicKey(privateKey));
    }

    /**
     * Parses 64 hex digits, with or without 0x (surrounding whitespace, such as a key file's line
     * end, is ignored).
     *
     * @throws InvalidKeyException when it is not a valid secp256k1 private key
     */
    public static Secp256k1Key fromHex(String hex) {
        if (hex == null) {
            throw new InvalidKeyException("private key is missing");
        }
        String text = hex.strip();
        if (!KEY_HEX.matcher(text).matches()) {
            throw new InvalidKeyException("private key must be 64 hex digits, optionally prefixed with 0x");
        }
        BigInteger k = new BigInteger(text.substring(text.length() - 64), 16);
        if (k.signum() == 0 || k.compareTo(Secp256k1.N) >= 0) {
            throw new InvalidKeyException("private key is outside the secp256k1 range (0 < key < n)");
        }
        return new Secp256k1Key(k);
    }

    /** A fresh key from a SecureRandom. */
    public static Secp256k1Key generate() {
        while (true) {
            BigInteger k = new BigInteger(256, RANDOM);
            if (k.signum() > 0 && k.compareTo(Secp256k1.N) < 0) {
                return new Secp256k1Key(k);
            }
        }
    }

    /**
     * The key as 0x + 64 hex digits. Only for writing a key file or the keygen command's output;
     * never log it.
     */
    public String privateKeyHex() {
        return "0x" + HEX.formatHex(Secp256k1.unsigned32(privateKey));
    }

    @Override
    public Address address() {
        return address;
    }

    @Override
    public SignedTransaction sign(UnsignedTransaction transaction) {
        if (transaction.chainId() <= 0) {
            throw new IllegalArgumentException("chain id must be positive");
        }
        if (transaction.nonce() < 0 || transaction.gasLimit() <= 0) {
            throw new IllegalArgumentException("nonce must not be negative and gas limit must be positive");
        }
        byte[] hash = BouncyCastleKeccak.INSTANCE.hash(TransactionCodec.signingPayload(transaction));
        Secp256k1.Signature signature = Secp256k1.sign(hash, privateKey);
        byte[] raw = TransactionCodec.encodeSigned(transaction, signature);
        return new SignedTransaction(address, transaction, "0x" + HEX.formatHex(raw), TransactionCodec.hash(raw));
    }

    @Override
    public String toString() {
        return "Secp256k1Key[" + address + "]";
    }
}
