package com.dytallix.domain.grant;

import com.dytallix.domain.GrantId;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.payer.Lease;
import com.dytallix.domain.payer.LeaseLostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The ledger as the tracker uses it: replacements, inclusion, confirmation depth, reorgs, failures. */
public interface Settlements extends GrantRecords {
    /**
     * Replaces the grant's transaction (same nonce, higher fees): new raw bytes, hash appended to the
     * history; fenced by {@code lease} like {@link PaymentRecords#markSigned}.
     *
     * @throws LeaseLostException when the lease is no longer in force; nothing is stored
     */
    void recordReplacement(GrantId id, SignedTransaction replacement, Instant at, Lease lease);

    /**
     * SIGNED or SUBMITTED → SUBMITTED with the hash that was mined, its block number and block hash:
     * the transaction is in a block that is not yet deep enough to call the grant confirmed.
     */
    void markIncluded(GrantId id, TxHash landed, long blockNumber, String blockHash, Instant at);

    /**
     * A reorg took the grant's block off the canonical chain: CONFIRMED or SUBMITTED → SUBMITTED,
     * with the landed hash, block number and block hash cleared. The grant keeps counting against
     * the quotas (it is still being paid).
     *
     * @throws IllegalArgumentException when the grant is not in a block
     */
    void reopen(GrantId id, Instant at);

    /** SUBMITTED and CONFIRMED grants recorded in a block at or above {@code fromBlock} (with its hash), oldest block first. */
    List<Grant> inBlocksFrom(long fromBlock);

    /**
     * The blocks SUBMITTED and CONFIRMED grants are recorded in at or above {@code fromBlock}, one
     * entry per block number and recorded hash, lowest block first: what the reorg watch checks every
     * pass, without loading the grants themselves.
     */
    List<RecordedBlock> blocksFrom(long fromBlock);

    /** SIGNED and SUBMITTED grants, oldest first, each as much as a tracker pass looks at. */
    List<Payment> inFlight();

    /**
     * PENDING grants (admitted, not signed yet) admitted at least {@code age} ago, oldest first. Age
     * is measured by the store's own clock (the database's) from the moment it admitted each grant:
     * the instances that admit and the one that pays may have clocks hours apart, the database has one.
     */
    List<Grant> pendingOlderThan(Duration age);

    /**
     * → CONFIRMED with the hash that was mined.
     *
     * @return whether this is the grant's first confirmation: false for a grant a reorg re-opened
     *         after it had been confirmed, so it is counted as confirmed once
     */
    boolean markConfirmed(GrantId id, TxHash landed, long blockNumber, Instant at);

    /** → FAILED with a reason; the grant stops counting against every quota. */
    void markFailed(GrantId id, String reason, Instant at);

    /**
     * What one tracker pass learned from the chain: each inclusion as by {@link #markIncluded}, then
     * each confirmation as by {@link #markConfirmed} (a grant may be in both; its steps are written
     * together). A store may write a long pass in several transactions, a few grants each, so no
     * write holds back the requests' writes for long. A grant whose status or hashes no longer allow
     * its step is left as it is and named in the answer, so one odd grant never holds back the others.
     */
    Settled settle(List<Inclusion> inclusions, List<Confirmation> confirmations, Instant at);

    /** A grant's transaction mined in a block not deep enough yet. */
    record Inclusion(GrantId id, TxHash landed, long blockNumber, String blockHash) {
    }

    /** A grant's transaction whose block is deep enough. */
    record Confirmation(GrantId id, TxHash landed, long blockNumber) {
    }

    /** The grants confirmed for the first time, and the steps refused (grant and why). */
    record Settled(Set<GrantId> firstConfirmed, Map<GrantId, String> refused) {
    }
}
