package com.dytallix.domain.faucet;

import java.time.Instant;

/**
 * The node's chain is not the chain the ledger pays on: their genesis blocks differ (a chain relaunched under the same
 * chain id). The faucet pays nothing until an operator adopts the new chain.
 *
 * @param genesis       the node's genesis block hash
 * @param ledgerGenesis the genesis block hash of the chain the ledger pays on
 * @param since         when the node's chain was first seen to differ
 */
public record ChainReset(String genesis, String ledgerGenesis, Instant since) {
    /** The pause reason the faucet shows for it. */
    public String reason() {
        return "the chain was reset (genesis " + genesis + " ≠ " + ledgerGenesis + ", the ledger's): an operator must adopt the new chain";
    }
}
