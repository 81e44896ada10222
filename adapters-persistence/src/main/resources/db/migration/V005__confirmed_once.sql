-- Whether a grant has ever been confirmed: a reorg re-opens a confirmed grant and the tracker
-- confirms it again, and dytallix_faucet_grants_total{outcome="confirmed"} counts a grant once.
-- Grants confirmed before this column existed count as confirmed once.
ALTER TABLE faucet_grants ADD COLUMN confirmed_once INTEGER NOT NULL DEFAULT 0;
UPDATE faucet_grants SET confirmed_once = 1 WHERE status = 'confirmed';
