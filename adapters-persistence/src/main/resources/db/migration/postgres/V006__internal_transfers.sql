-- PostgreSQL's form of the same migration (times as timestamptz).
-- The payer's transactions that pay no grant: the zero-value transfer to itself that fills a nonce
-- gap, and a retired key's drain. Stored (fenced by the payer lease) before they are sent, like a
-- grant's signed bytes, so a crash, a takeover or a reorg re-sends these bytes and never signs a
-- second transaction for the nonce: one row per sender and nonce. settled = 1 once nothing is left
-- to do (its block is past the reorg watch, or another transaction used its nonce).
CREATE TABLE internal_transfers (
    from_address TEXT NOT NULL,
    nonce        BIGINT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('gap_filler', 'drain')),
    to_address   TEXT NOT NULL,
    value_wei    TEXT NOT NULL,
    tx_hash      TEXT NOT NULL,
    raw_tx       TEXT NOT NULL,
    block_number BIGINT,
    settled      INTEGER NOT NULL DEFAULT 0 CHECK (settled IN (0, 1)),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    last_sent_at TIMESTAMPTZ,
    PRIMARY KEY (from_address, nonce)
);

CREATE INDEX internal_transfers_settled ON internal_transfers (settled);
