-- Admission rules: per-client and per-subnet quotas, the outflow budget, the block list and
-- proof-of-work challenges.

-- The client a grant or request counts against (the IPv4 address, or the IPv6 prefix such as
-- 2001:db8:1:2::/64) and its subnet (/24 or /48). Rows from before this migration count by their
-- exact IP for the rest of their window.
ALTER TABLE faucet_grants ADD COLUMN client TEXT;
ALTER TABLE faucet_grants ADD COLUMN subnet TEXT;
-- The admission rules that scaled the payout, e.g. 'governor:0.775,reputation:0.1'; NULL when none did.
ALTER TABLE faucet_grants ADD COLUMN factors TEXT;
UPDATE faucet_grants SET client = ip, subnet = ip;
CREATE INDEX faucet_grants_client_created ON faucet_grants (client, created_at);
CREATE INDEX faucet_grants_subnet_created ON faucet_grants (subnet, created_at);

ALTER TABLE request_fingerprints ADD COLUMN client TEXT;
UPDATE request_fingerprints SET client = ip;
CREATE INDEX request_fingerprints_client_created ON request_fingerprints (client, created_at);

-- The outflow governor's budget, shared by every instance: its level in wei (negative in debt)
-- when last drawn. No row yet means full.
CREATE TABLE outflow_budget (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    level_wei  TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- kind 'ip' (an IP or CIDR block, canonical text) or 'address' (lower-case 0x address).
CREATE TABLE blocks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    target     TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('ip', 'address')),
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT
);

CREATE INDEX blocks_address ON blocks (kind, target);

-- Issued proof-of-work challenges; a challenge is deleted when it is answered.
CREATE TABLE pow_challenges (
    id         TEXT PRIMARY KEY,
    address    TEXT NOT NULL,
    client     TEXT NOT NULL,
    difficulty INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    r          INTEGER NOT NULL,
    p          INTEGER NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX pow_challenges_expires ON pow_challenges (expires_at);
