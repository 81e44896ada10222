-- How many times a grant stopped counting against the quotas: it failed (its quota comes back), or a
-- grant of the last two days was deleted. An instance that remembers a quota refusal (so that a
-- client over its quota is refused without reading the ledger) forgets what it remembers when this
-- number changes. Triggers rather than the server's own writes, so every way a grant fails or is
-- deleted counts, an operator's DELETE in psql included.
CREATE TABLE quota_releases (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    released BIGINT NOT NULL
);

INSERT INTO quota_releases (id, released) VALUES (1, 0);

CREATE FUNCTION quota_released() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE quota_releases SET released = released + 1 WHERE id = 1; RETURN NULL; END $$;

CREATE TRIGGER faucet_grants_failed_releases_quota AFTER UPDATE OF status ON faucet_grants FOR EACH ROW
    WHEN (NEW.status = 'failed' AND OLD.status <> 'failed') EXECUTE FUNCTION quota_released();

CREATE TRIGGER faucet_grants_deleted_releases_quota AFTER DELETE ON faucet_grants FOR EACH ROW
    WHEN (OLD.status <> 'failed' AND OLD.created_at > now() - interval '2 days') EXECUTE FUNCTION quota_released();
