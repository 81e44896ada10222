-- PostgreSQL's form of the same migration (the minute as timestamptz, truncated in UTC).
-- What the daily cap needs most requests to know, at the cost of reading a day of minutes instead of a
-- day of grants: the grants reserved in each minute (by created_at), each amount rounded up to whole
-- gwei, so their sum from the minute of any moment on is never less than what was paid since then.
-- Grants that failed later stay counted: the total is an upper bound, and the daily cap reads the
-- grants themselves when it comes near the cap. Kept by a trigger, so a grant any server version
-- inserts is counted. Pruned with the grants.
CREATE TABLE paid_per_minute (
    minute TIMESTAMPTZ PRIMARY KEY,
    gwei   BIGINT NOT NULL
);

INSERT INTO paid_per_minute (minute, gwei)
SELECT date_trunc('minute', created_at, 'UTC'), SUM(CEIL(CAST(amount_wei AS NUMERIC) / 1000000000))
  FROM faucet_grants
 WHERE status <> 'failed'
 GROUP BY date_trunc('minute', created_at, 'UTC');

CREATE FUNCTION faucet_grants_paid_per_minute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO paid_per_minute (minute, gwei)
    VALUES (date_trunc('minute', NEW.created_at, 'UTC'), CEIL(CAST(NEW.amount_wei AS NUMERIC) / 1000000000))
    ON CONFLICT (minute) DO UPDATE SET gwei = paid_per_minute.gwei + EXCLUDED.gwei;
    RETURN NEW;
END
$$;

CREATE TRIGGER faucet_grants_paid_per_minute AFTER INSERT ON faucet_grants
    FOR EACH ROW EXECUTE FUNCTION faucet_grants_paid_per_minute();
