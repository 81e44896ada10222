package com.dytallix.adapters.persistence;

import com.dytallix.domain.Wei;
import com.dytallix.domain.key.Fees;
import io.helidon.dbclient.DbRow;
import java.util.Optional;

/**
 * A transaction's fees in the four columns {@code fee_type}, {@code max_fee_per_gas},
 * {@code max_priority_fee_per_gas} and {@code gas_price} (decimal wei text), as grants and internal
 * transfers store them.
 */
final class FeeColumns {
    private FeeColumns() {
    }

    static String type(Fees fees) {
        return switch (fees) {
            case Fees.Eip1559 ignored -> "eip1559";
            case Fees.Legacy ignored -> "legacy";
        };
    }

    static String maxFee(Fees fees) {
        return fees instanceof Fees.Eip1559 f ? f.maxFeePerGas().toString() : null;
    }

    static String priorityFee(Fees fees) {
        return fees instanceof Fees.Eip1559 f ? f.maxPriorityFeePerGas().toString() : null;
    }

    static String gasPrice(Fees fees) {
        return fees instanceof Fees.Legacy f ? f.gasPrice().toString() : null;
    }

    /** Empty when {@code fee_type} is NULL. */
    static Optional<Fees> read(DbRow row) {
        return Rows.optionalText(row, "fee_type").map(type -> switch (type) {
            case "eip1559" -> new Fees.Eip1559(Wei.parse(Rows.text(row, "max_fee_per_gas")),
                    Wei.parse(Rows.text(row, "max_priority_fee_per_gas")));
            case "legacy" -> new Fees.Legacy(Wei.parse(Rows.text(row, "gas_price")));
            default -> throw new IllegalStateException("unknown fee type " + type);
        });
    }
}
