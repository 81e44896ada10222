-- What the daily cap needs most requests to know, at the cost of reading a day of minutes instead of a
-- day of grants: the grants reserved in each minute (by created_at), each amount rounded up to whole
-- gwei, so their sum from the minute of any moment on is never less than what was paid since then.
-- Grants that failed later stay counted: the total is an upper bound, and the daily cap reads the
-- grants themselves when it comes near the cap. Kept by a trigger, so a grant any server version
-- inserts is counted. Pruned with the grants.
CREATE TABLE paid_per_minute (
    minute TEXT PRIMARY KEY,
    gwei   INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO paid_per_minute (minute, gwei)
SELECT substr(created_at, 1, 16),
       SUM(CASE WHEN length(amount_wei) > 9 THEN CAST(substr(amount_wei, 1, length(amount_wei) - 9) AS INTEGER) ELSE 0 END
           + (CAST(substr(amount_wei, -9) AS INTEGER) > 0))
  FROM faucet_grants
 WHERE status <> 'failed'
 GROUP BY substr(created_at, 1, 16);

CREATE TRIGGER faucet_grants_paid_per_minute AFTER INSERT ON faucet_grants
BEGIN
    INSERT INTO paid_per_minute (minute, gwei)
    VALUES (substr(NEW.created_at, 1, 16),
            CASE WHEN length(NEW.amount_wei) > 9 THEN CAST(substr(NEW.amount_wei, 1, length(NEW.amount_wei) - 9) AS INTEGER) ELSE 0 END
            + (CAST(substr(NEW.amount_wei, -9) AS INTEGER) > 0))
    ON CONFLICT (minute) DO UPDATE SET gwei = gwei + excluded.gwei;
END;
