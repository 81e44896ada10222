-- A gap filler or drain the chain leaves unmined is re-priced like a grant: the row's signed bytes,
-- hash and value become the replacement's (stored under the payer lease before it is sent), and the
-- hashes it replaced are kept, space-separated oldest first, since the chain may still mine one of
-- them. The fees are recorded so a replacement can raise them; a row from before this migration has
-- none (its replacement is priced from what the node suggests then).
ALTER TABLE internal_transfers ADD COLUMN fee_type TEXT CHECK (fee_type IN ('eip1559', 'legacy'));
ALTER TABLE internal_transfers ADD COLUMN max_fee_per_gas TEXT;
ALTER TABLE internal_transfers ADD COLUMN max_priority_fee_per_gas TEXT;
ALTER TABLE internal_transfers ADD COLUMN gas_price TEXT;
ALTER TABLE internal_transfers ADD COLUMN replaced_hashes TEXT;
