-- Which chain the ledger pays on, known by its genesis block's hash: a chain relaunched under the
-- same chain id (a testnet relaunch, a new embedded dev chain) has another genesis. Recorded by the
-- first start against a node (a database from before this migration records the node's genesis at
-- its first start: it cannot know better); replaced only by an operator's adoption of a new chain
-- (POST /api/admin/chain/adopt), in the transaction that closes the previous chain's business.
CREATE TABLE ledger_chain (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    genesis_hash TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);

-- The genesis hash of the chain a grant was paid on, set when an adoption gave that chain up; NULL
-- for the grants of the ledger's chain. A grant of a previous chain is out of the reorg watch and
-- holds no nonce: the new chain's nonces start again from what its node says.
ALTER TABLE faucet_grants ADD COLUMN previous_chain TEXT;
