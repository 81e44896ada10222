package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.GrantId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Which chain the ledger pays on, known by its genesis block's hash: a chain relaunched under the same chain id
 * (a testnet relaunch, a new embedded dev chain) has another genesis, and the grants, nonces and blocks the ledger
 * holds belong to the chain it was recorded on, never to the new one.
 */
public interface LedgerChain {
    /** The genesis hash of the chain the ledger pays on; empty until the first start against a node recorded it. */
    Optional<String> genesis();

    /**
     * Records {@code genesis} as the ledger's chain when none is recorded yet (the first start, or the first start
     * after the upgrade that added this record: the ledger cannot know better then).
     *
     * @return the genesis recorded now, {@code genesis} or whatever another instance recorded first
     */
    String recordGenesis(String genesis, Instant at);

    /**
     * Adopts the chain of genesis {@code adopted} in place of {@code previous}, in one transaction: every grant not
     * yet confirmed fails with {@code reason} (its quota given back, as any failed grant's); every grant of the
     * previous chain (confirmed ones included) leaves the reorg watch and no longer holds a nonce; the stored gap
     * fillers and drains of the previous chain are forgotten; the payer lease is revoked (its next write is refused
     * by the fencing token, so a payer of the previous chain stores nothing more); {@code adopted} is recorded.
     * Adopting the chain already recorded changes nothing.
     *
     * @throws IllegalStateException when the ledger's chain is neither {@code previous} nor {@code adopted} (another
     *                               adoption came first): nothing changed
     */
    Adoption adoptChain(String previous, String adopted, String reason, Instant at);

    /**
     * The grants the last adoption failed that had a signed transaction then (SIGNED or SUBMITTED): a transaction of
     * the previous chain sent in the moment before the relaunch was seen may sit in a new node's pool, with the old
     * chain's nonce, and be mined once the key's nonce on the new chain reaches it. Those of {@code from} with a nonce
     * at or above {@code fromNonce}, in nonce order; none before any adoption.
     */
    List<Grant> leftInFlight(Address from, long fromNonce);

    /**
     * A grant of {@link #leftInFlight} whose transaction is on the adopted chain after all: sent to a node of the new
     * chain before the relaunch was seen, it was mined there (or waits in its pool at a nonce the chain uses next).
     * It was paid, so it is carried over: FAILED → SUBMITTED as a payment of the adopted chain, its failure reason
     * cleared, no block recorded yet (the tracker records the block its receipt names, confirms it once deep and
     * watches it for reorgs like any other payment), counting against the quotas again.
     *
     * @return false, nothing changed, when the grant is not (any more) one the last adoption failed with a transaction
     */
    boolean carryOver(GrantId id, Instant at);

    /**
     * What an adoption did.
     *
     * @param adopted false when the chain was already the ledger's (nothing changed)
     * @param failed  grants not yet confirmed that failed with the reason
     * @param closed  grants of the previous chain taken out of the reorg watch and the nonce bookkeeping (the failed ones
     *                included)
     */
    record Adoption(boolean adopted, int failed, int closed) {
    }
}
