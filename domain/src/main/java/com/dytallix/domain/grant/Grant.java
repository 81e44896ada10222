package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.Fees;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One faucet payout as the ledger holds it.
 *
 * @param txHashes   every hash this grant's transaction ever had, oldest first (replacements add)
 * @param landedHash the hash that was mined, once known
 * @param blockNumber the block that holds {@code landedHash}, while that block is canonical
 * @param blockHash  that block's hash: when the chain's block at {@code blockNumber} has another
 *                   hash, the block was reorganised away and the grant is re-opened
 * @param lastSentAt when the current transaction was last handed to the node (stuck detection)
 * @param factors    the admission rules that scaled the payout, in the order they ran
 */
public record Grant(
        GrantId id,
        Address address,
        ClientIp ip,
        Wei amount,
        GrantStatus status,
        Optional<String> idempotencyKey,
        String requestHash,
        Optional<Address> fromAddress,
        Optional<Long> nonce,
        Optional<String> rawTransaction,
        Optional<Fees> fees,
        List<TxHash> txHashes,
        Optional<TxHash> landedHash,
        Optional<Long> blockNumber,
        Optional<String> blockHash,
        Optional<String> failureReason,
        Instant createdAt,
        Instant updatedAt,
        Optional<Instant> lastSentAt,
        List<Factor> factors) {

    public Grant {
        txHashes = List.copyOf(txHashes);
        factors = List.copyOf(factors);
    }

    /** The hash to show a user: the one that landed, else the newest one sent. */
    public Optional<TxHash> currentHash() {
        return landedHash.or(() -> txHashes.isEmpty() ? Optional.empty() : Optional.of(txHashes.getLast()));
    }

    public static Grant reserved(GrantId id, Address address, ClientIp ip, Wei amount, List<Factor> factors,
                                 Optional<String> idempotencyKey, String requestHash, Instant now) {
        return new Grant(id, address, ip, amount, GrantStatus.PENDING, idempotencyKey, requestHash,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), List.of(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), now, now, Optional.empty(), factors);
    }
}
