-- Timestamps are UTC text in SQLite's datetime() format with milliseconds
-- ('YYYY-MM-DD HH:MM:SS.SSS'), so the runbook's created_at > datetime('now', '-1 hour') is right.
-- Amounts are wei as exact decimal text.

CREATE TABLE faucet_grants (
    id                       TEXT PRIMARY KEY,
    address                  TEXT NOT NULL,
    ip                       TEXT NOT NULL,
    amount_wei               TEXT NOT NULL,
    status                   TEXT NOT NULL CHECK (status IN ('pending', 'signed', 'submitted', 'confirmed', 'failed')),
    idempotency_key          TEXT UNIQUE,
    request_hash             TEXT NOT NULL,
    from_address             TEXT,
    nonce                    INTEGER,
    raw_tx                   TEXT,
    fee_type                 TEXT CHECK (fee_type IN ('eip1559', 'legacy')),
    max_fee_per_gas          TEXT,
    max_priority_fee_per_gas TEXT,
    gas_price                TEXT,
    tx_hash                  TEXT,
    landed_hash              TEXT,
    block_number             INTEGER,
    failure_reason           TEXT,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    last_sent_at             TEXT
);

-- quota windows and the runbook's per-IP query
CREATE INDEX faucet_grants_ip_created ON faucet_grants (ip, created_at);
CREATE INDEX faucet_grants_address_created ON faucet_grants (address, created_at);
-- the daily cap, the alert query and retention
CREATE INDEX faucet_grants_created ON faucet_grants (created_at);
CREATE INDEX faucet_grants_status ON faucet_grants (status);
CREATE INDEX faucet_grants_sender_nonce ON faucet_grants (from_address, nonce);

-- Every hash a grant's transaction ever had (replacements append), so a receipt can be found by any of them.
CREATE TABLE grant_tx_hashes (
    grant_id   TEXT NOT NULL REFERENCES faucet_grants (id),
    tx_hash    TEXT NOT NULL,
    nonce      INTEGER NOT NULL,
    raw_tx     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (grant_id, tx_hash)
);

CREATE INDEX grant_tx_hashes_hash ON grant_tx_hashes (tx_hash);

-- A trigger rather than ON DELETE CASCADE: the runbook's retention DELETE also runs in the sqlite3
-- shell, where foreign keys are off, and must not leave orphaned hashes behind.
CREATE TRIGGER faucet_grants_delete_hashes AFTER DELETE ON faucet_grants
BEGIN
    DELETE FROM grant_tx_hashes WHERE grant_id = OLD.id;
END;

CREATE TABLE request_fingerprints (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ip          TEXT NOT NULL,
    address     TEXT NOT NULL,
    user_agent  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- the suspicious-activity check and the runbook's addresses-per-IP query
CREATE INDEX request_fingerprints_ip_created ON request_fingerprints (ip, created_at);
CREATE INDEX request_fingerprints_created ON request_fingerprints (created_at);

CREATE TABLE faucet_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    paused     INTEGER NOT NULL CHECK (paused IN (0, 1)),
    reason     TEXT,
    since      TEXT,
    updated_at TEXT NOT NULL
);

INSERT INTO faucet_state (id, paused, reason, since, updated_at)
VALUES (1, 0, NULL, NULL, strftime('%Y-%m-%d %H:%M:%f', 'now'));

CREATE TABLE topups (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    amount_wei        TEXT NOT NULL,
    note              TEXT NOT NULL,
    faucet_address    TEXT NOT NULL,
    balance_after_wei TEXT NOT NULL,
    created_at        TEXT NOT NULL
);

-- Addresses and times only: key material never reaches the database.
CREATE TABLE key_rotations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    previous_address TEXT NOT NULL,
    new_address      TEXT NOT NULL,
    rotated_at       TEXT NOT NULL
);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    action  TEXT NOT NULL,
    ip      TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail  TEXT NOT NULL
);

CREATE INDEX audit_log_at ON audit_log (at);
