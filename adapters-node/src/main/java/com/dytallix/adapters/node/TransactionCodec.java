package com.dytallix.adapters.node;

import com.dytallix.adapters.node.Rlp.Bytes;
import com.dytallix.adapters.node.Rlp.Item;
import com.dytallix.adapters.node.Rlp.Sequence;
import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.UnsignedTransaction;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The two transaction encodings the faucet signs and the dev chain accepts: EIP-1559 (type 0x02,
 * EIP-2718 envelope) and legacy with EIP-155 replay protection.
 */
final class TransactionCodec {
    static final int LEGACY = 0;
    static final int EIP1559 = 2;
    private static final HexFormat HEX = HexFormat.of();
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private TransactionCodec() {
    }

    /** A transaction read back from raw bytes, with the sender recovered from its signature. */
    record Decoded(int type, OptionalLong chainId, long nonce, BigInteger maxFeePerGas, BigInteger maxPriorityFeePerGas,
                   long gasLimit, Optional<Address> to, BigInteger value, byte[] data, int accessListEntries,
                   BigInteger v, BigInteger r, BigInteger s, Address from, TxHash hash) {
        /** Legacy transactions pay their gas price as both cap and tip (the EIP-1559 reading of them). */
        BigInteger gasPrice() {
            return maxFeePerGas;
        }
    }

    static final class InvalidTransactionException extends IllegalArgumentException {
        InvalidTransactionException(String message) {
            super(message);
        }
    }

    /** The bytes whose Keccak-256 is signed. */
    static byte[] signingPayload(UnsignedTransaction tx) {
        return switch (tx.fees()) {
            case Fees.Eip1559 f -> typed(Rlp.encode(new Sequence(eip1559Fields(tx, f))));
            case Fees.Legacy f -> {
                List<Item> fields = legacyFields(tx, f);
                fields.add(Rlp.integer(tx.chainId()));
                fields.add(Rlp.integer(0));
                fields.add(Rlp.integer(0));
                yield Rlp.encode(new Sequence(fields));
            }
        };
    }

    static byte[] encodeSigned(UnsignedTransaction tx, Secp256k1.Signature sig) {
        return switch (tx.fees()) {
            case Fees.Eip1559 f -> {
                List<Item> fields = eip1559Fields(tx, f);
                fields.add(Rlp.integer(sig.recoveryId()));
                fields.add(Rlp.integer(sig.r()));
                fields.add(Rlp.integer(sig.s()));
                yield typed(Rlp.encode(new Sequence(fields)));
            }
            case Fees.Legacy f -> {
                List<Item> fields = legacyFields(tx, f);
                BigInteger v = BigInteger.valueOf(tx.chainId()).shiftLeft(1).add(BigInteger.valueOf(35L + sig.recoveryId()));
                fields.add(Rlp.integer(v));
                fields.add(Rlp.integer(sig.r()));
                fields.add(Rlp.integer(sig.s()));
                yield Rlp.encode(new Sequence(fields));
            }
        };
    }

    private static List<Item> eip1559Fields(UnsignedTransaction tx, Fees.Eip1559 f) {
        return new ArrayList<>(List.of(
                Rlp.integer(tx.chainId()), Rlp.integer(tx.nonce()),
                Rlp.integer(f.maxPriorityFeePerGas().value()), Rlp.integer(f.maxFeePerGas().value()),
                Rlp.integer(tx.gasLimit()), Rlp.bytes(tx.to().bytes()), Rlp.integer(tx.value().value()),
                Rlp.bytes(new byte[0]), new Sequence(List.of())));
    }

    private static List<Item> legacyFields(UnsignedTransaction tx, Fees.Legacy f) {
        return new ArrayList<>(List.of(
                Rlp.integer(tx.nonce()), Rlp.integer(f.gasPrice().value()), Rlp.integer(tx.gasLimit()),
                Rlp.bytes(tx.to().bytes()), Rlp.integer(tx.value().value()), Rlp.bytes(new byte[0])));
    }

    private static byte[] typed(byte[] rlp) {
        byte[] out = new byte[rlp.length + 1];
        out[0] = EIP1559;
        System.arraycopy(rlp, 0, out, 1, rlp.length);
        return out;
    }

    static TxHash hash(byte[] raw) {
        return new TxHash("0x" + HEX.formatHex(BouncyCastleKeccak.INSTANCE.hash(raw)));
    }

    /** Decodes raw bytes and recovers the sender. */
    static Decoded decode(byte[] raw) {
        if (raw.length == 0) {
            throw new InvalidTransactionException("empty transaction");
        }
        int first = raw[0] & 0xff;
        try {
            if (first >= 0xc0) {
                return decodeLegacy(raw);
            }
            if (first == EIP1559) {
                return decodeEip1559(raw);
            }
        } catch (Rlp.RlpException e) {
            throw new InvalidTransactionException("rlp: " + e.getMessage());
        }
        throw new InvalidTransactionException("transaction type not supported");
    }

    private static Decoded decodeLegacy(byte[] raw) {
        List<Item> f = fields(Rlp.decode(raw), 9);
        BigInteger v = integer(f.get(6));
        OptionalLong chainId;
        int recoveryId;
        List<Item> signed = new ArrayList<>(f.subList(0, 6));
        if (v.equals(BigInteger.valueOf(27)) || v.equals(BigInteger.valueOf(28))) {
            chainId = OptionalLong.empty();
            recoveryId = v.intValueExact() - 27;
        } else if (v.compareTo(BigInteger.valueOf(37)) >= 0) {
            BigInteger offset = v.subtract(BigInteger.valueOf(35));
            chainId = OptionalLong.of(toLong(offset.shiftRight(1), "chain id"));
            recoveryId = offset.testBit(0) ? 1 : 0;
            signed.add(Rlp.integer(chainId.getAsLong()));
            signed.add(Rlp.integer(0));
            signed.add(Rlp.integer(0));
        } else {
            throw new InvalidTransactionException("invalid signature values");
        }
        BigInteger gasPrice = integer(f.get(1));
        return finish(LEGACY, chainId, f, 0, gasPrice, gasPrice, f.get(2), f.get(3), f.get(4), f.get(5), 0,
                v, recoveryId, f.get(7), f.get(8), Rlp.encode(new Sequence(signed)), raw);
    }

    private static Decoded decodeEip1559(byte[] raw) {
        byte[] body = java.util.Arrays.copyOfRange(raw, 1, raw.length);
        List<Item> f = fields(Rlp.decode(body), 12);
        if (!(f.get(8) instanceof Sequence accessList)) {
            throw new InvalidTransactionException("access list must be a list");
        }
        BigInteger yParity = integer(f.get(9));
        if (yParity.compareTo(BigInteger.ONE) > 0) {
            throw new InvalidTransactionException("invalid signature values");
        }
        OptionalLong chainId = OptionalLong.of(toLong(integer(f.get(0)), "chain id"));
        byte[] payload = typed(Rlp.encode(new Sequence(f.subList(0, 9))));
        return finish(EIP1559, chainId, f, 1, integer(f.get(3)), integer(f.get(2)), f.get(4), f.get(5), f.get(6), f.get(7),
                accessList.items().size(), yParity, yParity.intValue(), f.get(10), f.get(11), payload, raw);
    }

    private static Decoded finish(int type, OptionalLong chainId, List<Item> f, int nonceIndex, BigInteger maxFee,
                                  BigInteger tip, Item gas, Item to, Item value, Item data, int accessListEntries,
                                  BigInteger v, int recoveryId, Item r, Item s, byte[] signingPayload, byte[] raw) {
        long nonce = toLong(integer(f.get(nonceIndex)), "nonce");
        long gasLimit = toLong(integer(gas), "gas limit");
        byte[] toBytes = bytes(to);
        Optional<Address> recipient;
        if (toBytes.length == 0) {
            recipient = Optional.empty();
        } else if (toBytes.length == 20) {
            recipient = Optional.of(Address.fromBytes(toBytes, BouncyCastleKeccak.INSTANCE));
        } else {
            throw new InvalidTransactionException("recipient must be 20 bytes");
        }
        BigInteger rValue = integer(r);
        BigInteger sValue = integer(s);
        if (sValue.compareTo(Secp256k1.HALF_N) > 0) {
            throw new InvalidTransactionException("invalid signature: s must be in the lower half of the curve order");
        }
        byte[] signingHash = BouncyCastleKeccak.INSTANCE.hash(signingPayload);
        Address from = Secp256k1.recover(signingHash, rValue, sValue, recoveryId)
                .map(Secp256k1::address)
                .orElseThrow(() -> new InvalidTransactionException("invalid signature: sender cannot be recovered"));
        return new Decoded(type, chainId, nonce, maxFee, tip, gasLimit, recipient, integer(value), bytes(data),
                accessListEntries, v, rValue, sValue, from, hash(raw));
    }

    private static List<Item> fields(Item item, int count) {
        if (!(item instanceof Sequence seq) || seq.items().size() != count) {
            throw new InvalidTransactionException("rlp: expected a list of " + count + " fields");
        }
        return seq.items();
    }

    private static BigInteger integer(Item item) {
        if (!(item instanceof Bytes b)) {
            throw new InvalidTransactionException("rlp: expected a number, found a list");
        }
        return b.asInteger();
    }

    private static byte[] bytes(Item item) {
        if (!(item instanceof Bytes b)) {
            throw new InvalidTransactionException("rlp: expected bytes, found a list");
        }
        return b.value();
    }

    private static long toLong(BigInteger value, String field) {
        if (value.compareTo(LONG_MAX) > 0) {
            throw new InvalidTransactionException(field + " out of range");
        }
        return value.longValueExact();
    }
}
