package com.dytallix.adapters.persistence;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.payer.InternalTransfer;
import com.dytallix.domain.payer.InternalTransfers;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.LeaseLostException;
import io.helidon.dbclient.DbRow;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Gap fillers and drains in {@code internal_transfers}, one row per sender and nonce; a re-priced
 * transfer's row holds its newest bytes, and the hashes they replaced in {@code replaced_hashes}.
 */
final class SqlInternalTransfers implements InternalTransfers {
    private final Database database;

    public SqlInternalTransfers(Database database) {
        this.database = database;
    }

    @Override
    public boolean record(InternalTransfer.Kind kind, SignedTransaction tx, Instant at, Lease lease) {
        String time = Timestamps.format(at);
        return database.write(t -> {
            if (!SqlPayerLeases.inForce(database.dialect(), t, lease)) {
                throw new LeaseLostException(lease);
            }
            return t.dml("""
                    INSERT INTO internal_transfers (from_address, nonce, kind, to_address, value_wei, fee_type, max_fee_per_gas,
                                                    max_priority_fee_per_gas, gas_price, tx_hash, raw_tx, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (from_address, nonce) DO NOTHING""",
                    tx.from().value(), tx.nonce(), kind.name().toLowerCase(Locale.ROOT), tx.transaction().to().value(),
                    tx.transaction().value().toString(), FeeColumns.type(tx.fees()), FeeColumns.maxFee(tx.fees()),
                    FeeColumns.priorityFee(tx.fees()), FeeColumns.gasPrice(tx.fees()), tx.hash().value(), tx.rawHex(), time,
                    time) == 1;
        });
    }

    @Override
    public boolean replace(TxHash replacing, SignedTransaction replacement, Instant at, Lease lease) {
        return database.write(t -> {
            if (!SqlPayerLeases.inForce(database.dialect(), t, lease)) {
                throw new LeaseLostException(lease);
            }
            // the row's current hash joins the replaced ones in the same statement that checks it is still current
            return t.dml("""
                    UPDATE internal_transfers
                       SET replaced_hashes = COALESCE(replaced_hashes || ' ', '') || tx_hash, tx_hash = ?, raw_tx = ?,
                           value_wei = ?, fee_type = ?, max_fee_per_gas = ?, max_priority_fee_per_gas = ?, gas_price = ?,
                           last_sent_at = NULL, updated_at = ?
                     WHERE from_address = ? AND nonce = ? AND tx_hash = ? AND settled = 0""",
                    replacement.hash().value(), replacement.rawHex(), replacement.transaction().value().toString(),
                    FeeColumns.type(replacement.fees()), FeeColumns.maxFee(replacement.fees()),
                    FeeColumns.priorityFee(replacement.fees()), FeeColumns.gasPrice(replacement.fees()), Timestamps.format(at),
                    replacement.from().value(), replacement.nonce(), replacing.value()) == 1;
        });
    }

    @Override
    public void markSent(Address from, long nonce, Instant at) {
        String time = Timestamps.format(at);
        change(from, nonce, "last_sent_at = ?, updated_at = ?", time, time);
    }

    @Override
    public void markIncluded(Address from, long nonce, Optional<Long> blockNumber, Instant at) {
        change(from, nonce, "block_number = ?, updated_at = ?", blockNumber.orElse(null), Timestamps.format(at));
    }

    @Override
    public void markSettled(Address from, long nonce, Instant at) {
        change(from, nonce, "settled = 1, updated_at = ?", Timestamps.format(at));
    }

    @Override
    public List<InternalTransfer> unsettled() {
        return database.read(db -> {
            try (Stream<DbRow> rows = db.query("SELECT * FROM internal_transfers WHERE settled = 0 ORDER BY created_at, nonce")) {
                return rows.map(SqlInternalTransfers::transfer).toList();
            }
        });
    }

    @Override
    public OptionalLong highestNonce(Address from) {
        return database.read(db -> db.get("SELECT MAX(nonce) AS highest FROM internal_transfers WHERE from_address = ?",
                        from.value())
                .flatMap(row -> Rows.optionalInteger(row, "highest"))
                .map(OptionalLong::of).orElse(OptionalLong.empty()));
    }

    @Override
    public int prune(Instant settledBefore) {
        // updated_at of a settled row is when it was settled: nothing changes it afterwards
        return database.write(t -> (int) t.delete("DELETE FROM internal_transfers WHERE settled = 1 AND updated_at < ?",
                Timestamps.format(settledBefore)));
    }

    private void change(Address from, long nonce, String set, Object... values) {
        Object[] params = Stream.concat(Stream.of(values), Stream.of(from.value(), nonce)).toArray();
        long changed = database.write(t -> t.update("UPDATE internal_transfers SET " + set
                + " WHERE from_address = ? AND nonce = ?", params));
        if (changed == 0) {
            throw new NoSuchElementException("no transfer from " + from + " with nonce " + nonce);
        }
    }

    private static InternalTransfer transfer(DbRow row) {
        return new InternalTransfer(
                InternalTransfer.Kind.valueOf(Rows.text(row, "kind").toUpperCase(Locale.ROOT)),
                new Address(Rows.text(row, "from_address")),
                Rows.integer(row, "nonce"),
                new Address(Rows.text(row, "to_address")),
                Wei.parse(Rows.text(row, "value_wei")),
                FeeColumns.read(row),
                new TxHash(Rows.text(row, "tx_hash")),
                Rows.optionalText(row, "replaced_hashes").stream().flatMap(h -> Arrays.stream(h.split(" "))).map(TxHash::new)
                        .toList(),
                Rows.text(row, "raw_tx"),
                Rows.time(row, "created_at").truncatedTo(ChronoUnit.MILLIS),
                Rows.optionalTime(row, "last_sent_at"),
                Rows.optionalInteger(row, "block_number"));
    }
}
