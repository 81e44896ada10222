-- PostgreSQL's form of the same migration (identical statements).
-- The hash of the block that holds a grant's transaction, stored with its block number: when the
-- chain's block at that height has another hash, a reorg took the payment away and the grant is
-- re-opened. NULL for grants in no block (and for grants confirmed before this column existed).
ALTER TABLE faucet_grants ADD COLUMN block_hash TEXT;

-- the reorg watch reads the grants of the most recent blocks
CREATE INDEX faucet_grants_block ON faucet_grants (block_number);
