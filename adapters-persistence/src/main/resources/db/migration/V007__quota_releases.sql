-- How many times a grant stopped counting against the quotas: it failed (its quota comes back), or a
-- grant of the last two days was deleted. An instance that remembers a quota refusal (so that a
-- client over its quota is refused without reading the ledger) forgets what it remembers when this
-- number changes. Triggers rather than the server's own writes, so every way a grant fails or is
-- deleted counts, an operator's DELETE in the sqlite3 shell included.
CREATE TABLE quota_releases (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    released INTEGER NOT NULL
);

INSERT INTO quota_releases (id, released) VALUES (1, 0);

CREATE TRIGGER faucet_grants_failed_releases_quota AFTER UPDATE OF status ON faucet_grants
WHEN NEW.status = 'failed' AND OLD.status <> 'failed'
BEGIN
    UPDATE quota_releases SET released = released + 1 WHERE id = 1;
END;

CREATE TRIGGER faucet_grants_deleted_releases_quota AFTER DELETE ON faucet_grants
WHEN OLD.status <> 'failed' AND OLD.created_at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-2 days')
BEGIN
    UPDATE quota_releases SET released = released + 1 WHERE id = 1;
END;
