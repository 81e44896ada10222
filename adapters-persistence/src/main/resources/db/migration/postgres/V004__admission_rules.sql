-- Admission rules: per-client and per-subnet quotas, the outflow budget, the block list and
-- proof-of-work challenges (PostgreSQL's form of the same migration).

ALTER TABLE faucet_grants ADD COLUMN client TEXT;
ALTER TABLE faucet_grants ADD COLUMN subnet TEXT;
ALTER TABLE faucet_grants ADD COLUMN factors TEXT;
UPDATE faucet_grants SET client = ip, subnet = ip;
CREATE INDEX faucet_grants_client_created ON faucet_grants (client, created_at);
CREATE INDEX faucet_grants_subnet_created ON faucet_grants (subnet, created_at);

ALTER TABLE request_fingerprints ADD COLUMN client TEXT;
UPDATE request_fingerprints SET client = ip;
CREATE INDEX request_fingerprints_client_created ON request_fingerprints (client, created_at);

CREATE TABLE outflow_budget (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    level_wei  TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE blocks (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target     TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('ip', 'address')),
    reason     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ
);

CREATE INDEX blocks_address ON blocks (kind, target);

CREATE TABLE pow_challenges (
    id         TEXT PRIMARY KEY,
    address    TEXT NOT NULL,
    client     TEXT NOT NULL,
    difficulty INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    r          INTEGER NOT NULL,
    p          INTEGER NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX pow_challenges_expires ON pow_challenges (expires_at);
