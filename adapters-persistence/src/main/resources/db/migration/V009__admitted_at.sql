-- When each grant was admitted, by the database's own clock. created_at is the admitting instance's
-- clock (what quotas and the runbook's queries read); the payer asks which PENDING grants are owed
-- to it by this column, so instances whose clocks disagree still agree on a grant's age. Grants
-- admitted before this column existed take their created_at.
ALTER TABLE faucet_grants ADD COLUMN admitted_at TEXT;
UPDATE faucet_grants SET admitted_at = created_at;
