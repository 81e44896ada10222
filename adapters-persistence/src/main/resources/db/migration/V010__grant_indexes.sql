-- Every grant's insert and each status change maintain every index of faucet_grants, so it keeps only
-- those a query uses (EXPLAIN QUERY PLAN of each statement of the server, on both stores):
--   id (primary key): each state change; idempotency_key (unique): a replayed request;
--   (client, created_at), (subnet, created_at), (address, created_at): the quotas, the suspicious-activity
--     count, the admin search by address and by IP (through the IP's subnet);
--   (created_at): the daily cap, the admin search, retention (prune and the runbook's DELETE), the
--     runbook's per-IP and per-hour counts;
--   (from_address, nonce): the payer's highest nonce; (block_number): the reorg watch;
--   faucet_grants_unfinished: the tracker's and the payer's unfinished grants, which are few.
-- Dropped: (ip, created_at), which nothing needs any more, and (status) over every row, which the
-- planner preferred for the reorg watch's "status IN ('submitted', 'confirmed')" and so read every
-- confirmed grant each pass. A server of the previous version beside this one still works: no
-- statement names an index.
DROP INDEX IF EXISTS faucet_grants_ip_created;
DROP INDEX IF EXISTS faucet_grants_status;
CREATE INDEX faucet_grants_unfinished ON faucet_grants (status) WHERE status IN ('pending', 'signed', 'submitted');
