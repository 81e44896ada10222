-- Proof-of-work challenge ids carry a MAC under this key (made here once, by the database's own
-- random source, and read by every instance at start), so a made-up id is refused without a read.
CREATE TABLE challenge_key (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    key_hex TEXT NOT NULL
);
INSERT INTO challenge_key (id, key_hex) VALUES (1, lower(hex(randomblob(32))));

-- Challenges issued by the previous version (during a rolling deployment) have ids without the MAC:
-- this server writes proven = 1, that one leaves the default. While one of those has not expired, an id
-- without a valid MAC is still looked up.
ALTER TABLE pow_challenges ADD COLUMN proven INTEGER NOT NULL DEFAULT 0;
CREATE INDEX pow_challenges_unproven ON pow_challenges (expires_at) WHERE proven = 0;
