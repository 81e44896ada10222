-- The same tables and columns as the SQLite schema. Times are timestamptz (the server writes UTC);
-- amounts are wei as exact decimal text. SQLite's implicit rowid (insertion order, the tie-break
-- between rows of the same millisecond) is an explicit identity column here.

CREATE TABLE faucet_grants (
    rowid                    BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id                       TEXT PRIMARY KEY,
    address                  TEXT NOT NULL,
    ip                       TEXT NOT NULL,
    amount_wei               TEXT NOT NULL,
    status                   TEXT NOT NULL CHECK (status IN ('pending', 'signed', 'submitted', 'confirmed', 'failed')),
    idempotency_key          TEXT UNIQUE,
    request_hash             TEXT NOT NULL,
    from_address             TEXT,
    nonce                    BIGINT,
    raw_tx                   TEXT,
    fee_type                 TEXT CHECK (fee_type IN ('eip1559', 'legacy')),
    max_fee_per_gas          TEXT,
    max_priority_fee_per_gas TEXT,
    gas_price                TEXT,
    tx_hash                  TEXT,
    landed_hash              TEXT,
    block_number             BIGINT,
    failure_reason           TEXT,
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    last_sent_at             TIMESTAMPTZ
);

CREATE INDEX faucet_grants_ip_created ON faucet_grants (ip, created_at);
CREATE INDEX faucet_grants_address_created ON faucet_grants (address, created_at);
CREATE INDEX faucet_grants_created ON faucet_grants (created_at);
CREATE INDEX faucet_grants_status ON faucet_grants (status);
CREATE INDEX faucet_grants_sender_nonce ON faucet_grants (from_address, nonce);

-- Every hash a grant's transaction ever had; they go with their grant (the retention DELETE in psql too).
CREATE TABLE grant_tx_hashes (
    rowid      BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    grant_id   TEXT NOT NULL REFERENCES faucet_grants (id) ON DELETE CASCADE,
    tx_hash    TEXT NOT NULL,
    nonce      BIGINT NOT NULL,
    raw_tx     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (grant_id, tx_hash)
);

CREATE INDEX grant_tx_hashes_hash ON grant_tx_hashes (tx_hash);

CREATE TABLE request_fingerprints (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ip          TEXT NOT NULL,
    address     TEXT NOT NULL,
    user_agent  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX request_fingerprints_ip_created ON request_fingerprints (ip, created_at);
CREATE INDEX request_fingerprints_created ON request_fingerprints (created_at);

CREATE TABLE faucet_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    paused     INTEGER NOT NULL CHECK (paused IN (0, 1)),
    reason     TEXT,
    since      TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL
);

INSERT INTO faucet_state (id, paused, reason, since, updated_at) VALUES (1, 0, NULL, NULL, now());

CREATE TABLE topups (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    amount_wei        TEXT NOT NULL,
    note              TEXT NOT NULL,
    faucet_address    TEXT NOT NULL,
    balance_after_wei TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL
);

-- Addresses and times only: key material never reaches the database.
CREATE TABLE key_rotations (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    previous_address TEXT NOT NULL,
    new_address      TEXT NOT NULL,
    rotated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_log (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL,
    action  TEXT NOT NULL,
    ip      TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail  TEXT NOT NULL
);

CREATE INDEX audit_log_at ON audit_log (at);
